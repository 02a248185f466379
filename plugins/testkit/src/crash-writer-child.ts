/** The child of `crashWhileWriting`: streams forever into the storage and says when it has written enough. */
import type { ObjectStorage } from '@weft/core';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.env['WEFT_CRASH_WRITER'] ?? '{}') as { module: string; exportName: string; args: unknown[]; key: string; killAfterBytes: number };
const mod = (await import(pathToFileURL(config.module).href)) as Record<string, (...args: unknown[]) => ObjectStorage | Promise<ObjectStorage>>;
const make = mod[config.exportName];
if (typeof make !== 'function') throw new Error(`${config.module} has no export ${config.exportName}`);
const storage = await make(...config.args);
if (!storage.putStream) throw new Error('the storage has no putStream');

async function* endless(): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(1024 * 1024).fill(7);
  let sent = 0;
  for (;;) {
    yield chunk;
    sent += chunk.byteLength;
    if (sent >= config.killAfterBytes) process.stdout.write('WRITTEN\n');
  }
}
await storage.putStream(config.key, endless());
