/**
 * Progress of requests while the CLI follows them: one bar per request (per asset) drawn with
 * cli-progress on a terminal, or a plain line per change (at most one a second per request, and
 * the last) when the output is a file or a pipe. Each shows done, running, failed and pending
 * partitions, the rate of settled partitions and the time left at that rate.
 */
import cliProgress from 'cli-progress';
import { duration } from '../format/text.js';
import { tally, type RequestState, type Tally } from './requests.js';

/** How progress is shown: bars (a terminal), lines (not a terminal), or not at all. */
export type ProgressMode = 'bars' | 'lines' | 'none';

interface Track {
  readonly label: string;
  readonly started: number;
  /** When the first counts came, and the settled count then (the rate is measured from there). */
  firstAt?: number;
  firstSettled?: number;
  last?: Tally;
  lastLine?: string;
  lastLineAt?: number;
  /** A state held back by the one-line-a-second limit, written when the second is up. */
  held?: NodeJS.Timeout;
  bar?: cliProgress.SingleBar;
}

/** The rate (settled partitions a second) and time left of a track, in words. */
function speed(track: Track, t: Tally, now: number): { rate: string; eta: string } {
  if (track.firstAt === undefined || track.firstSettled === undefined) return { rate: '-', eta: '-' };
  const seconds = (now - track.firstAt) / 1000;
  const rate = seconds > 0.5 ? (t.settled - track.firstSettled) / seconds : 0;
  const left = t.total - t.settled;
  const eta = left === 0 ? '0s' : rate > 0 ? duration(left / rate) : '-';
  return { rate: rate > 0 ? `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s` : '-', eta };
}

/** Shows the progress of requests. */
export class ProgressView {
  private readonly tracks = new Map<string, Track>();
  private readonly multibar: cliProgress.MultiBar | undefined;

  constructor(
    private readonly mode: ProgressMode,
    private readonly stream: NodeJS.WriteStream = process.stdout,
    private readonly now: () => number = Date.now,
  ) {
    if (mode === 'bars') {
      this.multibar = new cliProgress.MultiBar(
        {
          stream,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 24,
          format: '{label} {bar} {settled}/{total}  {done} done, {running} running, {failed} failed  {rate}  ETA {etaText}',
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** Registers a request (its bar appears at once). */
  add(request: RequestState, label: string): void {
    const track: Track = { label, started: this.now() };
    this.tracks.set(request.id, track);
    if (this.multibar) track.bar = this.multibar.create(Math.max(1, request.total ?? request.partitionCount ?? 1), 0, this.payload(track, tally(request)));
    this.update(request);
  }

  private payload(track: Track, t: Tally): Record<string, string | number> {
    const { rate, eta } = speed(track, t, this.now());
    const width = Math.max(...[...this.tracks.values()].map((x) => x.label.length));
    return { label: track.label.padEnd(width), settled: t.settled, done: t.done, running: t.running, failed: t.failed, rate, etaText: eta };
  }

  /** Shows a request's new state. */
  update(request: RequestState): void {
    const track = this.tracks.get(request.id);
    if (!track) return;
    const t = tally(request);
    const now = this.now();
    if (track.firstAt === undefined && request.progress) {
      track.firstAt = now;
      track.firstSettled = t.settled;
    }
    track.last = t;
    if (track.bar) {
      track.bar.setTotal(Math.max(1, t.total));
      track.bar.update(t.settled, this.payload(track, t));
      return;
    }
    if (this.mode !== 'lines') return;
    const line = this.line(track, request, t, now);
    // A line when the counts change, at most one a second per request, and always the last one.
    const counts = `${request.status} ${t.total} ${t.done} ${t.running} ${t.failed} ${t.pending}`;
    if (counts === track.lastLine) return;
    clearTimeout(track.held);
    if (!request.done && track.lastLineAt !== undefined && now - track.lastLineAt < 1000) {
      track.held = setTimeout(() => this.update(request), 1000 - (now - track.lastLineAt)).unref();
      return;
    }
    track.lastLine = counts;
    track.lastLineAt = now;
    this.stream.write(`${line}\n`);
  }

  private line(track: Track, request: RequestState, t: Tally, now: number): string {
    const width = Math.max(...[...this.tracks.values()].map((x) => x.label.length));
    const elapsed = duration((now - track.started) / 1000).padStart(6);
    if (!request.progress) return `[${elapsed}] ${track.label.padEnd(width)}  waiting for the planner to count it`;
    const { rate, eta } = speed(track, t, now);
    const end = request.status === 'DONE' ? '  (done)' : request.status === 'CANCELLED' ? '  (cancelled)' : `  ${rate}  ETA ${eta}`;
    return `[${elapsed}] ${track.label.padEnd(width)}  ${t.settled}/${t.total} settled: ${t.done} done, ${t.running} running, ${t.failed} failed, ${t.pending} pending${end}`;
  }

  /** Stops drawing (the bars stay on screen). */
  stop(): void {
    for (const track of this.tracks.values()) clearTimeout(track.held);
    this.multibar?.stop();
  }
}
