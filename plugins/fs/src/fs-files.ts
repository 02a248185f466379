import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { compileKeyPattern, WeftError, type ObservedPartition, type SourceConnector } from '@weft/core';

/** Options of {@link fsFiles}. */
export interface FsFilesOptions {
  /** Folder the pattern is relative to. */
  readonly root: string;
  /** File path pattern, e.g. `readings/{date}/{hour}.csv` (placeholders as for S3 objects). */
  readonly key: string;
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * A source connector observing files in a local folder by path pattern: each matching file is a
 * partition; its version is the sha256 of its content (so touching a file without changing it
 * changes nothing downstream).
 */
export function fsFiles(options: FsFilesOptions): SourceConnector {
  const root = resolve(options.root);
  const pattern = compileKeyPattern(options.key);
  return {
    name: `fsFiles(${options.root}/${options.key})`,
    async observe() {
      const found: ObservedPartition[] = [];
      for await (const path of walk(join(root, pattern.prefix))) {
        const key = relative(root, path).split(sep).join('/');
        const partitionKey = pattern.match(key);
        if (partitionKey === undefined) continue;
        const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
        found.push({ partitionKey, version: { checksum: createHash('sha256').update(bytes).digest('hex'), size: info.size, mtimeMs: info.mtimeMs } });
      }
      return found.sort((a, b) => (a.partitionKey < b.partitionKey ? -1 : a.partitionKey > b.partitionKey ? 1 : 0));
    },
    async read(partitionKey) {
      const path = join(root, pattern.objectKey(partitionKey));
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new WeftError('storage.not_found', `source file ${path} (partition ${partitionKey}) does not exist`, { partitionKey });
        throw error;
      }
    },
  };
}
