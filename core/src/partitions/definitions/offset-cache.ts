/**
 * Memoized UTC offsets of one time zone. Each `Intl` lookup behind luxon's `IANAZone.offset`
 * costs several microseconds, which would make listing or parsing many keys slow; offsets only
 * change at a zone's transitions, so they are cached per chunk of time.
 */
import { HOUR_MS } from './civil-date.js';

/** Offsets are cached per chunk of this length, assumed to hold at most one transition. */
export const OFFSET_CHUNK_MS = 6 * HOUR_MS;

/** Chunks cached per zone before the cache starts over (about 135 years of chunks). */
const MAX_CHUNKS = 200_000;

/** A chunk of time: offset `before` until `transition`, `after` from it (equal when none). */
interface Chunk {
  readonly before: number;
  readonly transition: number;
  readonly after: number;
}

/**
 * Time is cut into 6-hour chunks. A chunk whose two ends have the same offset is taken to have it
 * throughout (the tz database never changes an offset and back within 6 hours); otherwise its
 * transition is located to the millisecond by bisection, once.
 */
export class OffsetCache {
  private readonly chunks = new Map<number, Chunk>();

  /** `raw(instant)` is the zone's offset in ms at `instant`. */
  constructor(private readonly raw: (instant: number) => number) {}

  /** The offset in ms at `instant`. */
  offsetMs(instant: number): number {
    if (!Number.isFinite(instant)) return this.raw(instant);
    const index = Math.floor(instant / OFFSET_CHUNK_MS);
    const chunk = this.chunks.get(index) ?? this.load(index);
    return instant < chunk.transition ? chunk.before : chunk.after;
  }

  private load(index: number): Chunk {
    if (this.chunks.size >= MAX_CHUNKS) this.chunks.clear();
    let low = index * OFFSET_CHUNK_MS;
    let high = low + OFFSET_CHUNK_MS;
    const before = this.raw(low);
    const after = this.raw(high);
    if (before !== after) {
      // Invariant: raw(low) === before, raw(high) !== before; ends at the first instant with the new offset.
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (this.raw(mid) === before) low = mid;
        else high = mid;
      }
    }
    const chunk: Chunk = { before, transition: high, after: before === after ? before : this.raw(high) };
    this.chunks.set(index, chunk);
    return chunk;
  }
}
