import { readdirSync, readFileSync } from 'node:fs';

/** Peak memory of a group of processes, as sampled. */
export interface GroupPeak {
  /** Peak of the summed proportional set size (PSS: shared pages split between their sharers), MB. */
  readonly pssMb: number;
  /** Peak of the summed resident set size, MB (counts a server's shared buffers once per process). */
  readonly rssMb: number;
  /** Processes in the group at that peak. */
  readonly processes: number;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** kB figures of one process (`Pss`, `Rss` of /proc/<pid>/smaps_rollup). */
function memoryKb(pid: number): { pss: number; rss: number } {
  const text = readOr(`/proc/${pid}/smaps_rollup`);
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { pss: field('Pss'), rss: field('Rss') };
}

/** Parent of every process now running. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`/proc/${name}/stat`);
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isFinite(ppid)) out.set(Number(name), ppid);
  }
  return out;
}

/** `roots` and every process below them. */
function tree(roots: readonly number[], parentOf: Map<number, number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out = new Set<number>();
  const stack = roots.filter((r) => parentOf.has(r));
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Samples (every `intervalMs`) the memory of process groups, each given by its root processes (a
 * function, as they come and go); `rest` is every descendant of this process in no group. Linux
 * only (/proc); on other systems every figure stays 0.
 */
export class RssSampler {
  private readonly peaks = new Map<string, GroupPeak>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly groups: Readonly<Record<string, () => readonly number[]>>,
    private readonly rest: string,
    intervalMs = 500,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Takes one sample now. */
  sample(): void {
    let parentOf: Map<number, number>;
    try {
      parentOf = parents();
    } catch {
      return;
    }
    const claimed = new Set<number>([process.pid]);
    const members: Array<[string, Set<number>]> = [];
    for (const [name, roots] of Object.entries(this.groups)) {
      const set = tree(roots(), parentOf);
      for (const pid of set) claimed.add(pid);
      members.push([name, set]);
    }
    members.push([this.rest, new Set([...tree([process.pid], parentOf)].filter((pid) => !claimed.has(pid)))]);
    for (const [name, set] of members) {
      let pss = 0;
      let rss = 0;
      for (const pid of set) {
        const m = memoryKb(pid);
        pss += m.pss;
        rss += m.rss;
      }
      const peak = this.peaks.get(name);
      const next = { pssMb: Math.round(pss / 1024), rssMb: Math.round(rss / 1024), processes: set.size };
      if (!peak || next.pssMb > peak.pssMb) this.peaks.set(name, next);
    }
  }

  /** The peak of each group so far (a group never seen: zeros). */
  peak(name: string): GroupPeak {
    return this.peaks.get(name) ?? { pssMb: 0, rssMb: 0, processes: 0 };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The postmaster of the PostgreSQL server whose data folder is `dataDir` (its postmaster.pid), or 0. */
export function postmasterPid(dataDir: string): number {
  return Number(readOr(`${dataDir}/postmaster.pid`).split('\n')[0]) || 0;
}
