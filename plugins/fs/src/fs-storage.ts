import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WeftError, type ObjectStorage } from '@weft/core';

/** Options of {@link fsStorage}. */
export interface FsStorageOptions {
  /** Folder holding the objects. @default '.weft/objects' */
  readonly root?: string;
}

function checkKey(key: string): void {
  const bad =
    key.length === 0 ? 'is empty'
    : key.includes('\0') ? 'contains a NUL byte'
    : key.startsWith('/') || key.includes('\\') ? 'must be a relative path with / separators'
    : key.split('/').some((s) => s === '' || s === '.' || s === '..') ? 'has an empty, "." or ".." segment'
    : Buffer.byteLength(key) > 1024 ? `is ${Buffer.byteLength(key)} bytes long (at most 1024)`
    : key.split('/').some((s) => Buffer.byteLength(s) > 255) ? 'has a segment longer than 255 bytes (a file name limit)'
    : undefined;
  if (bad) throw new WeftError('storage.bad_key', `object key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)} ${bad}`, { field: 'key' });
}

/**
 * Values up to this size are created with synchronous calls: open, write and close of a small file
 * take the kernel about 20 µs, while each call through the thread pool costs more than that in
 * hand-offs (measured: 2–8× the CPU per file). Larger values go through the thread pool, so a big
 * write never holds up the event loop.
 */
const SYNC_WRITE_BYTES = 64 * 1024;

/** {@link createOnce} of a small value, in synchronous calls. */
function createOnceSync(path: string, bytes: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      const found = statSync(path);
      return found.isFile() && found.size === bytes.byteLength;
    } catch {
      return false;
    }
  }
  try {
    for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Writes a content-addressed object where none is yet: true when the whole object is there after
 * (written now, or found whole: the same bytes, by its name), false when a file of another size is
 * in the way (one a crash cut short, or one still being written), which the caller replaces.
 */
async function createOnce(path: string, bytes: Uint8Array): Promise<boolean> {
  if (bytes.byteLength <= SYNC_WRITE_BYTES) return createOnceSync(path, bytes);
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const found = await stat(path).catch(() => undefined);
    return found !== undefined && found.isFile() && found.size === bytes.byteLength;
  }
  // (A failed write leaves a short file under the name: never read, as no materialization names it,
  // and replaced by the next put of these bytes.)
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Object storage in a local folder: the embedded default of `weft dev`. Writes go to a temporary
 * file renamed into place, so a reader never sees half an object. A content-addressed object is
 * created in place instead (a rename costs the file system more than the write itself): its name
 * appears with the first write, but no materialization names it before the write is done, and a
 * file of the wrong size under that name (a crash mid-write) is replaced through a rename.
 */
export function fsStorage(options: FsStorageOptions = {}): ObjectStorage {
  const root = resolve(options.root ?? '.weft/objects');
  // Folders created so far: one mkdir per folder, not per object.
  const made = new Set<string>();

  const pathOf = (uri: string): string => {
    if (!uri.startsWith('file://')) throw new WeftError('storage.bad_key', `not a file URI: ${uri}`, { field: 'uri' });
    const path = fileURLToPath(uri);
    if (!path.startsWith(root + sep)) throw new WeftError('storage.bad_key', `URI ${uri} is outside the storage folder ${root}`, { field: 'uri' });
    return path;
  };

  return {
    scheme: 'file',
    async put(key, bytes, putOptions) {
      checkKey(key);
      const path = resolve(root, key);
      const dir = dirname(path);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      if (putOptions?.contentAddressed && (await createOnce(path, bytes))) return pathToFileURL(path).href;
      const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      try {
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return pathToFileURL(path).href;
    },
    async putStream(key, source) {
      checkKey(key);
      const path = resolve(root, key);
      const dir = dirname(path);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      try {
        await pipeline(Readable.from(source), createWriteStream(temp, { flags: 'wx' }));
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return pathToFileURL(path).href;
    },
    async *getStream(uri) {
      const path = pathOf(uri);
      try {
        yield* createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new WeftError('storage.not_found', `no object at ${uri}`, { field: 'uri' }, 'actionable', { cause: error });
        throw error;
      }
    },
    async get(uri) {
      try {
        return new Uint8Array(await readFile(pathOf(uri)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new WeftError('storage.not_found', `no object at ${uri}`, { field: 'uri' }, 'actionable', { cause: error });
        }
        throw error;
      }
    },
    async exists(uri) {
      try {
        return (await stat(pathOf(uri))).isFile();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    async delete(uri) {
      await rm(pathOf(uri), { force: true });
    },
  };
}
