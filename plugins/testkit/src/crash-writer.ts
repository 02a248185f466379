/**
 * A crash in the middle of a write: a child process makes the storage under test (by importing a
 * module and calling one of its exports), streams a value that never ends into it, and is killed
 * with SIGKILL once it has written `killAfterBytes`. Nothing of it may be readable afterwards.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CrashWriterOptions {
  /** The module that makes the storage (a path or file URL), e.g. the plugin's `src/index.ts`. */
  readonly module: string | URL;
  /** Its export to call, e.g. `fsStorage`. */
  readonly exportName: string;
  /** Arguments for that call (JSON). */
  readonly args: readonly unknown[];
  /** Bytes streamed before the kill. @default 8 MiB */
  readonly killAfterBytes?: number;
}

const SCRIPT = fileURLToPath(new URL('./crash-writer-child.ts', import.meta.url));

/** Runs the writer and kills it mid-write; resolves once it is dead. Rejects if it never got going. */
export async function crashWhileWriting(key: string, options: CrashWriterOptions): Promise<void> {
  const modulePath = options.module instanceof URL ? fileURLToPath(options.module) : options.module;
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, WEFT_CRASH_WRITER: JSON.stringify({ module: modulePath, exportName: options.exportName, args: options.args, key, killAfterBytes: options.killAfterBytes ?? 8 * 1024 * 1024 }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('WRITTEN')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  child.kill('SIGKILL');
  await exited;
  if (!ready) throw new Error(`the crash writer never started writing: ${stderr.slice(-2000)}`);
}
