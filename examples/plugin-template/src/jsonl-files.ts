/**
 * A folder of JSON-lines files as a source: one partition per file whose path matches a pattern
 * (`events/{date}.jsonl`, `customers/{key}.jsonl`), versioned by a hash of its content, read with
 * every line checked and, optionally, personal fields replaced by keyed hashes before any byte
 * reaches Weft.
 */
import { createHash, createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { canonicalJson, compileKeyPattern, hashCanonical, TransientError, WeftError, type ObservedPartition, type SourceConnector } from '@weft/core';
import { formatJsonLines, parseJsonLines } from './json-lines.js';

/** Options of {@link jsonlFiles}. */
export interface JsonlFilesOptions {
  /** Absolute path of the folder holding the files. */
  readonly root: string;
  /** Path of each partition's file under `root`, with placeholders (`{date}`, `{hour}`, `{month}`, `{key}` …). */
  readonly pattern: string;
  /** Fields whose values are replaced by `hmac-sha256:<hex>` of the value, keyed by `key` (the resolved secret). */
  readonly pseudonymize?: { readonly fields: readonly string[]; readonly key: string };
}

/** File system errors worth a retry: the disk or the process is busy, not the data wrong. */
const TRANSIENT_FS_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'EIO', 'ETIMEDOUT']);

function fsError(error: unknown, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = `${what}: ${(error as Error).message}`;
  return TRANSIENT_FS_CODES.has(code) ? new TransientError(message, { cause: error }) : new WeftError('user_code.threw', message, { field: 'root' }, 'actionable', { cause: error });
}

async function* walk(dir: string, signal: AbortSignal): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing there yet: no partitions
    throw fsError(error, `listing ${dir}`);
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    signal.throwIfAborted();
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path, signal);
    else if (entry.isFile()) yield path;
  }
}

/** Creates the connector (the plugin's `files` kind calls this with validated, resolved options). */
export function jsonlFiles(options: JsonlFilesOptions): SourceConnector {
  const root = resolve(options.root);
  const pattern = compileKeyPattern(options.pattern);
  const fields = [...(options.pseudonymize?.fields ?? [])].sort();
  const secretKey = options.pseudonymize?.key;
  // What read() returns depends on the key too: its fingerprint (never the key) enters the version,
  // so rotating the key recomputes what read the old pseudonyms.
  const keyFingerprint = secretKey === undefined ? null : createHmac('sha256', secretKey).update('weft-example-plugin-template/key-fingerprint').digest('hex');
  const pseudonym = (value: unknown): string => `hmac-sha256:${createHmac('sha256', secretKey!).update(canonicalJson(value)).digest('hex')}`;

  const pathOf = (partitionKey: string): string => {
    const path = resolve(root, pattern.objectKey(partitionKey));
    if (!path.startsWith(root + sep)) throw new WeftError('storage.bad_key', `partition ${JSON.stringify(partitionKey)} names a file outside ${root}`, { partitionKey, field: 'partitionKey' });
    return path;
  };

  return {
    name: `jsonlFiles(${join(root, options.pattern)})`,
    async observe(ctx) {
      const found: ObservedPartition[] = [];
      // Walk only below the pattern's fixed folder (`events/` of `events/{date}.jsonl`).
      const start = join(root, dirname(`${pattern.prefix}x`));
      for await (const path of walk(start, ctx.signal)) {
        const partitionKey = pattern.match(relative(root, path).split(sep).join('/'));
        if (partitionKey === undefined) continue;
        let bytes: Buffer;
        try {
          bytes = await readFile(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted while listing
          throw fsError(error, `reading ${path}`);
        }
        const content = createHash('sha256').update(bytes).digest('hex');
        found.push({ partitionKey, version: { checksum: hashCanonical(['weft-example-plugin-template/v1', content, fields, keyFingerprint]), size: bytes.byteLength } });
      }
      return found;
    },
    async read(partitionKey, ctx) {
      ctx.signal.throwIfAborted();
      const path = pathOf(partitionKey);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path, { signal: ctx.signal }));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new WeftError('storage.not_found', `source ${ctx.sourceKey}: partition ${partitionKey} has no file (${path})`, { partitionKey, field: 'pattern' });
        if ((error as Error).name === 'AbortError') throw error;
        throw fsError(error, `reading ${path}`);
      }
      const records = parseJsonLines(bytes, path); // every line checked, even when handed on as is
      if (fields.length === 0) return bytes;
      for (const record of records) for (const f of fields) if (record[f] !== undefined && record[f] !== null) record[f] = pseudonym(record[f]);
      return formatJsonLines(records);
    },
  };
}
