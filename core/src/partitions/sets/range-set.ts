/**
 * Sets of integers stored as sorted, disjoint, non-adjacent half-open ranges. Partition sets are
 * sets of partition indices (see `../types.ts`), so a contiguous run of a million days is one range.
 */

/** Bounds of canonical sets: `[start0, end0, start1, end1, …]`, sorted, disjoint, non-adjacent. */
type Bounds = Float64Array;

const NO_BOUNDS: Bounds = new Float64Array(0);

/** Prefix sizes (`prefix[k]` = members in ranges before `k`), built on first positional access. */
const prefixCache = new WeakMap<RangeSet, Float64Array>();

/** Wraps canonical bounds without copying or checking; set once by `RangeSet`'s static block. */
let wrapBounds: (bounds: Bounds) => RangeSet;

function checkInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`RangeSet: ${what} must be a safe integer, got ${String(value)}`);
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`RangeSet: ${what} must be a non-negative integer, got ${String(value)}`);
  }
}

/**
 * An immutable set of integers (negative allowed) stored as sorted, disjoint, non-adjacent
 * half-open ranges `[start, end)` in a typed array. The representation is canonical: equal sets
 * have equal `toJSON()` (and are deep-equal). Set algebra is linear in the number of ranges,
 * membership is logarithmic, positional access (`page`, `nth`) is logarithmic plus the output.
 *
 * @example
 * ```ts
 * const days = RangeSet.range(0, 31).difference(RangeSet.of([3, 4, 5]));
 * days.toJSON(); // [[0, 3], [6, 31]]
 * days.page(2, 3); // [2, 6, 7]
 * ```
 */
export class RangeSet implements Iterable<number> {
  static {
    wrapBounds = (bounds) => (bounds.length === 0 ? RangeSet.EMPTY : new RangeSet(bounds));
  }

  /** The empty set. */
  static readonly EMPTY: RangeSet = new RangeSet(NO_BOUNDS);

  /** Number of integers in the set. */
  readonly size: number;
  /** Number of maximal ranges in the set. */
  readonly rangeCount: number;

  private constructor(private readonly bounds: Bounds) {
    this.rangeCount = bounds.length >> 1;
    let size = 0;
    for (let k = 0; k < bounds.length; k += 2) size += bounds[k + 1]! - bounds[k]!;
    this.size = size;
  }

  /** The integers `[start, end)`; empty when `end <= start`. */
  static range(start: number, end: number): RangeSet {
    checkInteger(start, 'range start');
    checkInteger(end, 'range end');
    return end <= start ? RangeSet.EMPTY : new RangeSet(Float64Array.of(start, end));
  }

  /** The set of `indices`, given in any order; duplicates are fine. */
  static of(indices: Iterable<number>): RangeSet {
    const builder = new RangeSetBuilder();
    for (const i of indices) builder.add(i);
    return builder.build();
  }

  /** The union of half-open `ranges` `[start, end)`, in any order; overlapping and adjacent ranges merge, empty ones are ignored. */
  static fromRanges(ranges: Iterable<readonly [number, number]>): RangeSet {
    const builder = new RangeSetBuilder();
    for (const [start, end] of ranges) builder.addRange(start, end);
    return builder.build();
  }

  /**
   * Reads the output of {@link RangeSet.toJSON}. Non-canonical input (unsorted, overlapping) is
   * normalized; anything that is not a list of integer pairs throws a TypeError.
   */
  static fromJSON(json: ReadonlyArray<readonly [number, number]>): RangeSet {
    if (!Array.isArray(json)) throw new TypeError('RangeSet.fromJSON: expected an array of [start, end] pairs');
    const builder = new RangeSetBuilder();
    for (const pair of json as readonly unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || !Number.isSafeInteger(pair[0]) || !Number.isSafeInteger(pair[1])) {
        throw new TypeError(`RangeSet.fromJSON: expected [start, end] integer pairs, got ${JSON.stringify(pair)}`);
      }
      builder.addRange(pair[0] as number, pair[1] as number);
    }
    return builder.build();
  }

  /** True when the set has no members. */
  isEmpty(): boolean {
    return this.rangeCount === 0;
  }

  /** Whether `i` is a member (false for non-integers); O(log rangeCount). */
  has(i: number): boolean {
    const k = this.rangeIndexAtOrBefore(i);
    return k >= 0 && i < this.bounds[2 * k + 1]! && Number.isInteger(i);
  }

  /** The smallest member, or undefined when empty. */
  min(): number | undefined {
    return this.bounds[0];
  }

  /** The largest member (inclusive), or undefined when empty. */
  max(): number | undefined {
    const n = this.bounds.length;
    return n === 0 ? undefined : this.bounds[n - 1]! - 1;
  }

  /** Members of either set; O(r1 + r2). */
  union(o: RangeSet): RangeSet {
    if (o.rangeCount === 0) return this;
    if (this.rangeCount === 0) return o;
    const a = this.bounds;
    const b = o.bounds;
    const out = new Float64Array(a.length + b.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      let start: number;
      let end: number;
      if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
        start = a[i]!;
        end = a[i + 1]!;
        i += 2;
      } else {
        start = b[j]!;
        end = b[j + 1]!;
        j += 2;
      }
      if (n > 0 && start <= out[n - 1]!) {
        if (end > out[n - 1]!) out[n - 1] = end;
      } else {
        out[n++] = start;
        out[n++] = end;
      }
    }
    return wrapBounds(n === out.length ? out : out.slice(0, n));
  }

  /** Members of both sets; O(r1 + r2). */
  intersect(o: RangeSet): RangeSet {
    if (this.rangeCount === 0 || o.rangeCount === 0) return RangeSet.EMPTY;
    const a = this.bounds;
    const b = o.bounds;
    const out = new Float64Array(a.length + b.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const aEnd = a[i + 1]!;
      const bEnd = b[j + 1]!;
      const start = Math.max(a[i]!, b[j]!);
      const end = Math.min(aEnd, bEnd);
      if (start < end) {
        out[n++] = start;
        out[n++] = end;
      }
      if (aEnd < bEnd) i += 2;
      else j += 2;
    }
    return wrapBounds(out.slice(0, n));
  }

  /** Members of this set that are not in `o`; O(r1 + r2). */
  difference(o: RangeSet): RangeSet {
    if (this.rangeCount === 0 || o.rangeCount === 0) return this;
    const a = this.bounds;
    const b = o.bounds;
    const out = new Float64Array(a.length + b.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i < a.length; i += 2) {
      const end = a[i + 1]!;
      let cur = a[i]!;
      while (j < b.length && b[j + 1]! <= cur) j += 2;
      for (let k = j; k < b.length && b[k]! < end; k += 2) {
        if (b[k]! > cur) {
          out[n++] = cur;
          out[n++] = b[k]!;
        }
        cur = b[k + 1]!;
        if (cur >= end) break;
      }
      if (cur < end) {
        out[n++] = cur;
        out[n++] = end;
      }
    }
    return n === a.length && out.subarray(0, n).every((v, k) => v === a[k]) ? this : wrapBounds(out.slice(0, n));
  }

  /** Members in `[start, end)`; O(log r + output). */
  clamp(start: number, end: number): RangeSet {
    checkInteger(start, 'clamp start');
    checkInteger(end, 'clamp end');
    if (end <= start || this.rangeCount === 0) return RangeSet.EMPTY;
    const bounds = this.bounds;
    // First range ending after `start`, last range starting before `end`.
    const first = Math.max(0, this.rangeIndexAtOrBefore(start));
    const firstIndex = bounds[2 * first + 1]! > start ? first : first + 1;
    const lastIndex = this.rangeIndexAtOrBefore(end - 1);
    if (lastIndex < firstIndex) return RangeSet.EMPTY;
    const lo = bounds[2 * firstIndex]!;
    const hi = bounds[2 * lastIndex + 1]!;
    if (firstIndex === 0 && lastIndex === this.rangeCount - 1 && lo >= start && hi <= end) return this;
    const out = bounds.slice(2 * firstIndex, 2 * lastIndex + 2);
    out[0] = Math.max(lo, start);
    out[out.length - 1] = Math.min(hi, end);
    return wrapBounds(out);
  }

  /** Every member plus `delta`. */
  shift(delta: number): RangeSet {
    checkInteger(delta, 'shift delta');
    if (delta === 0 || this.rangeCount === 0) return this;
    const out = new Float64Array(this.bounds.length);
    for (let k = 0; k < out.length; k++) out[k] = this.bounds[k]! + delta;
    return wrapBounds(out);
  }

  /** Whether both sets have the same members. */
  equals(o: RangeSet): boolean {
    if (o === this) return true;
    if (o.bounds.length !== this.bounds.length) return false;
    for (let k = 0; k < this.bounds.length; k++) if (this.bounds[k] !== o.bounds[k]) return false;
    return true;
  }

  /** Whether every member of this set is in `o`. */
  isSubsetOf(o: RangeSet): boolean {
    return this.size <= o.size && this.difference(o).isEmpty();
  }

  /** Whether the sets share at least one member. */
  overlaps(o: RangeSet): boolean {
    return !this.intersect(o).isEmpty();
  }

  /** The maximal ranges `[start, end)`, ascending. */
  *ranges(): IterableIterator<[number, number]> {
    const bounds = this.bounds;
    for (let k = 0; k < bounds.length; k += 2) yield [bounds[k]!, bounds[k + 1]!];
  }

  /** Calls `fn(start, end)` for every maximal range, ascending, without allocating tuples. */
  forEachRange(fn: (start: number, end: number) => void): void {
    const bounds = this.bounds;
    for (let k = 0; k < bounds.length; k += 2) fn(bounds[k]!, bounds[k + 1]!);
  }

  /** The members, ascending. */
  *values(): IterableIterator<number> {
    const bounds = this.bounds;
    for (let k = 0; k < bounds.length; k += 2) {
      const end = bounds[k + 1]!;
      for (let i = bounds[k]!; i < end; i++) yield i;
    }
  }

  /** The members, descending. */
  *valuesDescending(): IterableIterator<number> {
    const bounds = this.bounds;
    for (let k = bounds.length - 2; k >= 0; k -= 2) {
      const start = bounds[k]!;
      for (let i = bounds[k + 1]! - 1; i >= start; i--) yield i;
    }
  }

  /** The members, ascending (same as {@link RangeSet.values}). */
  [Symbol.iterator](): IterableIterator<number> {
    return this.values();
  }

  /**
   * The members at positions `offset … offset + limit - 1` of the ascending order (fewer, or none,
   * past the end); O(log r + limit). Throws a RangeError for negative or non-integer arguments.
   */
  page(offset: number, limit: number): number[] {
    checkCount(offset, 'page offset');
    checkCount(limit, 'page limit');
    const out: number[] = [];
    if (offset >= this.size || limit === 0) return out;
    const bounds = this.bounds;
    let k = this.rangeIndexOfPosition(offset);
    let i = bounds[2 * k]! + (offset - this.prefix()[k]!);
    const wanted = Math.min(limit, this.size - offset);
    while (out.length < wanted) {
      const end = bounds[2 * k + 1]!;
      while (i < end && out.length < wanted) out.push(i++);
      k++;
      i = bounds[2 * k] ?? 0;
    }
    return out;
  }

  /** The member at `position` of the ascending order, or undefined when out of range; O(log r). */
  nth(position: number): number | undefined {
    if (!Number.isInteger(position) || position < 0 || position >= this.size) return undefined;
    const k = this.rangeIndexOfPosition(position);
    return this.bounds[2 * k]! + (position - this.prefix()[k]!);
  }

  /** Number of members smaller than `i` (the position `i` has, or would have, in the set); O(log r). */
  rank(i: number): number {
    i = Math.ceil(i);
    const k = this.rangeIndexAtOrBefore(i);
    if (k < 0) return 0;
    return this.prefix()[k]! + Math.min(i, this.bounds[2 * k + 1]!) - this.bounds[2 * k]!;
  }

  /** The maximal ranges as `[start, end)` pairs: the compact, canonical JSON form. */
  toJSON(): Array<[number, number]> {
    return Array.from(this.ranges());
  }

  /** A short human form, e.g. `{[0,5) [7,8)}`. */
  toString(): string {
    const parts: string[] = [];
    this.forEachRange((start, end) => parts.push(`[${start},${end})`));
    return `{${parts.join(' ')}}`;
  }

  /** Index of the last range starting at or before `i`, or -1. */
  private rangeIndexAtOrBefore(i: number): number {
    const bounds = this.bounds;
    let lo = 0;
    let hi = this.rangeCount - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[2 * mid]! <= i) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Index of the range holding the member at `position` (0 ≤ position < size). */
  private rangeIndexOfPosition(position: number): number {
    const prefix = this.prefix();
    let lo = 0;
    let hi = this.rangeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (prefix[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private prefix(): Float64Array {
    let prefix = prefixCache.get(this);
    if (prefix === undefined) {
      prefix = new Float64Array(this.rangeCount + 1);
      for (let k = 0; k < this.rangeCount; k++) prefix[k + 1] = prefix[k]! + this.bounds[2 * k + 1]! - this.bounds[2 * k]!;
      prefixCache.set(this, prefix);
    }
    return prefix;
  }
}

/**
 * A mutable accumulator of integers and ranges that builds a {@link RangeSet}. Appending in
 * ascending order (the common case: scanning indices) is O(1) amortized per call; out-of-order
 * input is still correct and costs one sort of the accumulated ranges at the next `build()`.
 *
 * @example
 * ```ts
 * const b = new RangeSetBuilder();
 * for (let i = 0; i < n; i++) if (isMissing(i)) b.add(i);
 * const missing = b.build();
 * ```
 */
export class RangeSetBuilder {
  // (Four ranges to start with: 64 bytes, which V8 keeps on its heap; a larger typed array is an
  // off-heap allocation, costly when a planner makes thousands of small builders per second.)
  private bounds: Float64Array = new Float64Array(8);
  private length = 0;
  private sorted = true;
  /** Every accumulated range holds one integer (`add` out of order): sorting starts alone suffices. */
  private unitsOnly = true;

  /** Adds the integer `i`. */
  add(i: number): this {
    const n = this.length;
    if (n > 0) {
      const lastEnd = this.bounds[n - 1]!;
      // Fast path: extends the last range, or is already in it.
      if (i === lastEnd && Number.isSafeInteger(i + 1)) {
        this.bounds[n - 1] = i + 1;
        this.unitsOnly = false;
        return this;
      }
      if (i < lastEnd && i >= this.bounds[n - 2]! && Number.isInteger(i)) return this;
    }
    return this.addRange(i, i + 1);
  }

  /** Adds the integers `[start, end)`; nothing when `end <= start`. */
  addRange(start: number, end: number): this {
    checkInteger(start, 'range start');
    checkInteger(end, 'range end');
    if (end <= start) return this;
    const n = this.length;
    if (n > 0) {
      const lastStart = this.bounds[n - 2]!;
      const lastEnd = this.bounds[n - 1]!;
      if (start >= lastStart) {
        if (start <= lastEnd) {
          if (end > lastEnd) {
            this.bounds[n - 1] = end;
            this.unitsOnly = false;
          }
          return this;
        }
      } else {
        this.sorted = false;
      }
    }
    if (n + 2 > this.bounds.length) {
      const grown = new Float64Array(this.bounds.length * 2);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.bounds[n] = start;
    this.bounds[n + 1] = end;
    this.length = n + 2;
    if (end !== start + 1) this.unitsOnly = false;
    return this;
  }

  /** Adds every member of `set`. */
  addSet(set: RangeSet): this {
    set.forEachRange((start, end) => this.addRange(start, end));
    return this;
  }

  /** The set of everything added so far. The builder stays usable. */
  build(): RangeSet {
    if (!this.sorted) this.normalize();
    return wrapBounds(this.bounds.slice(0, this.length));
  }

  /** Forgets everything added. */
  clear(): this {
    this.length = 0;
    this.sorted = true;
    this.unitsOnly = true;
    return this;
  }

  /** Sorts the accumulated ranges by start and merges overlapping and adjacent ones. */
  private normalize(): void {
    const bounds = this.bounds;
    const count = this.length >> 1;
    let starts: Float64Array | undefined;
    let order: Uint32Array | undefined;
    if (this.unitsOnly) {
      starts = new Float64Array(count);
      for (let k = 0; k < count; k++) starts[k] = bounds[2 * k]!;
      starts.sort(); // numeric, native
    } else {
      order = new Uint32Array(count);
      for (let k = 0; k < count; k++) order[k] = k;
      order.sort((x, y) => bounds[2 * x]! - bounds[2 * y]!);
    }
    const out = new Float64Array(Math.max(8, this.length));
    let n = 0;
    for (let k = 0; k < count; k++) {
      const r = order === undefined ? -1 : order[k]!;
      const start = starts === undefined ? bounds[2 * r]! : starts[k]!;
      const end = starts === undefined ? bounds[2 * r + 1]! : start + 1;
      if (n > 0 && start <= out[n - 1]!) {
        if (end > out[n - 1]!) out[n - 1] = end;
      } else {
        out[n++] = start;
        out[n++] = end;
      }
    }
    this.bounds = out;
    this.length = n;
    this.sorted = true;
    this.unitsOnly = false;
  }
}
