/**
 * Watches a project's source files for `weft dev`: weft.config.ts, the asset modules and the
 * project-local modules and data they import — every .ts/.mts/.cts/.js/.mjs/.cjs/.json under the
 * project root, except the state folder, `node_modules/`, `dist/` and dot-folders (`.git`, `.weft`).
 * A burst of events (an editor's save is several) is reported once, after it has been quiet for
 * `debounceMs`.
 */
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** One changed file, relative to the project root. */
export interface ProjectChange {
  readonly kind: 'added' | 'changed' | 'removed';
  readonly path: string;
}

/** Options of {@link watchProject}. */
export interface WatchProjectOptions {
  /** The project root (where weft.config.ts is). */
  readonly root: string;
  /** Folders under the root not to watch (absolute): the state folder. */
  readonly ignore?: readonly string[];
  /** Quiet time that ends a burst, ms. @default 250 */
  readonly debounceMs?: number;
  /** Called once per burst with its changes (one entry per file: its last kind). */
  readonly onChange: (changes: ProjectChange[]) => void;
  /** Called when the watcher fails (the folder went away, too many watches…). */
  readonly onError: (error: Error) => void;
}

/** A running watch. */
export interface ProjectWatch {
  /** Resolves once the initial scan is done: edits from then on are reported. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const SOURCE = /\.(?:[cm]?ts|[cm]?js|json)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);

/** Starts watching the project (see the module comment for what is watched). */
export function watchProject(options: WatchProjectOptions): ProjectWatch {
  const { root } = options;
  const ignoredDirs = (options.ignore ?? []).map((d) => (d.endsWith(sep) ? d : d + sep));
  const ignored = (path: string, stats?: { isFile(): boolean }): boolean => {
    if (path === root) return false;
    if (ignoredDirs.some((d) => path + sep === d || path.startsWith(d))) return true;
    const parts = relative(root, path).split(sep);
    if (parts.some((p, i) => SKIPPED_DIRS.has(p) || (p.startsWith('.') && (i < parts.length - 1 || !stats?.isFile())))) return true;
    return stats?.isFile() === true && !SOURCE.test(path);
  };
  const watcher: FSWatcher = watch(root, { ignored, ignoreInitial: true, persistent: true, atomic: true });
  const pending = new Map<string, ProjectChange['kind']>();
  let timer: NodeJS.Timeout | undefined;
  const note = (kind: ProjectChange['kind']) => (path: string) => {
    if (!SOURCE.test(path)) return;
    const rel = relative(root, path).split(sep).join('/');
    // A file added and changed in one burst is added; removed then written again is changed.
    const before = pending.get(rel);
    pending.set(rel, before === 'added' && kind === 'changed' ? 'added' : before === 'removed' && kind === 'added' ? 'changed' : kind);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changes = [...pending].map(([path, k]) => ({ kind: k, path })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      pending.clear();
      options.onChange(changes);
    }, options.debounceMs ?? 250);
  };
  watcher.on('add', note('added')).on('change', note('changed')).on('unlink', note('removed'));
  watcher.on('error', (error) => options.onError(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
