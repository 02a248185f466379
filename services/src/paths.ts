import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Root of Weft's tool cache, outside any checkout so that tool builds survive fresh clones.
 * @default `$WEFT_CACHE_DIR`, else `$XDG_CACHE_HOME/weft`, else `~/.cache/weft`
 */
export function cacheDir(): string {
  const fromEnv = process.env['WEFT_CACHE_DIR'];
  if (fromEnv) return fromEnv;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg || join(homedir(), '.cache'), 'weft');
}

/** Folder holding the pinned tool binaries. */
export function binDir(): string {
  return join(cacheDir(), 'bin');
}
