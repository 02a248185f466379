/**
 * Sets of points in an N-dimensional index space, stored as a union of disjoint boxes: the
 * "product" form of multi-dimensional partition sets (`region ∈ {us, eu} × day ∈ [0, 365)` is one
 * box, whatever its size).
 */
import { RangeSet, RangeSetBuilder } from './range-set.js';

/** One box: a `RangeSet` per dimension, every one non-empty; its points are their product. */
export type Box = readonly RangeSet[];

function checkDims(dims: number): void {
  if (!Number.isSafeInteger(dims) || dims < 1) throw new RangeError(`BoxSet: dimensions must be a positive integer, got ${String(dims)}`);
}

function boxSize(box: Box): number {
  let size = 1;
  for (const set of box) size *= set.size;
  return size;
}

/** Cheap pre-check on per-dimension extents: false means the boxes certainly do not meet. */
function extentsMeet(a: Box, b: Box): boolean {
  for (let d = 0; d < a.length; d++) {
    const x = a[d]!;
    const y = b[d]!;
    if (x.max()! < y.min()! || y.max()! < x.min()!) return false;
  }
  return true;
}

function intersectBoxes(a: Box, b: Box): Box | undefined {
  if (!extentsMeet(a, b)) return undefined;
  const out: RangeSet[] = [];
  for (let d = 0; d < a.length; d++) {
    const set = a[d]!.intersect(b[d]!);
    if (set.isEmpty()) return undefined;
    out.push(set);
  }
  return out;
}

/**
 * `a \ b` as at most `dims` disjoint boxes: slab d keeps dimensions before d inside `b`,
 * dimension d outside `b`, and dimensions after d as they are in `a`.
 */
function subtractBox(a: Box, b: Box, out: Box[]): void {
  if (!extentsMeet(a, b)) {
    out.push(a);
    return;
  }
  const inside: RangeSet[] = [];
  for (let d = 0; d < a.length; d++) {
    const common = a[d]!.intersect(b[d]!);
    if (common.isEmpty()) {
      out.push(a);
      return;
    }
    inside.push(common);
  }
  for (let d = 0; d < a.length; d++) {
    const outside = a[d]!.difference(b[d]!);
    if (!outside.isEmpty()) out.push([...inside.slice(0, d), outside, ...a.slice(d + 1)]);
  }
}

const setKeys = new WeakMap<RangeSet, string>();

function setKey(set: RangeSet): string {
  let key = setKeys.get(set);
  if (key === undefined) {
    key = set.toString();
    setKeys.set(set, key);
  }
  return key;
}

/** Merges boxes that agree in every dimension but `d` (they are disjoint, so `d` unions cleanly). */
function mergeAlong(boxes: readonly Box[], d: number): Box[] {
  const groups = new Map<string, { box: Box; parts: RangeSet[] }>();
  for (const box of boxes) {
    let key = '';
    for (let e = 0; e < box.length; e++) if (e !== d) key += `${setKey(box[e]!)}|`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { box, parts: [box[d]!] });
    else group.parts.push(box[d]!);
  }
  if (groups.size === boxes.length) return boxes as Box[];
  const out: Box[] = [];
  for (const { box, parts } of groups.values()) {
    if (parts.length === 1) {
      out.push(box);
      continue;
    }
    const builder = new RangeSetBuilder();
    for (const part of parts) builder.addSet(part);
    const merged = box.slice();
    merged[d] = builder.build();
    out.push(Object.freeze(merged));
  }
  return out;
}

/** Repeats {@link mergeAlong} over the dimensions until a full round merges nothing. */
function mergeBoxes(boxes: Box[], dims: number): Box[] {
  let current = boxes;
  let idle = 0;
  for (let d = 0; current.length > 1 && idle < dims; d = (d + 1) % dims) {
    const merged = mergeAlong(current, d);
    idle = merged.length < current.length ? 1 : idle + 1;
    current = merged;
  }
  return current;
}

function checkRadices(radices: readonly number[], dims: number): number[] {
  if (radices.length !== dims) throw new RangeError(`BoxSet: expected ${dims} radices, got ${radices.length}`);
  const strides = new Array<number>(dims);
  let stride = 1;
  for (let d = dims - 1; d >= 0; d--) {
    const radix = radices[d]!;
    if (!Number.isSafeInteger(radix) || radix < 0) throw new RangeError(`BoxSet: radix ${d} must be a non-negative integer, got ${String(radix)}`);
    strides[d] = stride;
    stride *= radix;
    if (!Number.isSafeInteger(stride)) throw new RangeError('BoxSet: the product of the radices exceeds the safe integer range');
  }
  return strides;
}

/**
 * Boxes (dimensions `d …`) of a flat set within `[0, Π radices[d…])`: the digits of dimension d
 * are grouped by their slice of the inner dimensions, and each distinct slice is decomposed once.
 */
function flatToBoxes(set: RangeSet, radices: readonly number[], strides: readonly number[], d: number): Box[] {
  if (d === radices.length - 1) return [[set]];
  const stride = strides[d]!;
  const full = new RangeSetBuilder(); // digits whose slice is the whole inner space
  const bySlice = new Map<string, { slice: RangeSet; digits: RangeSetBuilder }>();
  const slice = new RangeSetBuilder();
  let pending = -1; // digit whose partial slice is accumulating in `slice`
  const flush = (): void => {
    if (pending < 0) return;
    const built = slice.build();
    const key = built.toString();
    let group = bySlice.get(key);
    if (group === undefined) bySlice.set(key, (group = { slice: built, digits: new RangeSetBuilder() }));
    group.digits.add(pending);
    slice.clear();
    pending = -1;
  };
  set.forEachRange((start, end) => {
    let from = start;
    while (from < end) {
      const digit = Math.floor(from / stride);
      const base = digit * stride;
      if (from === base && end >= base + stride) {
        flush();
        const fullTo = Math.floor(end / stride);
        full.addRange(digit, fullTo);
        from = fullTo * stride;
        continue;
      }
      if (pending !== digit) {
        flush();
        pending = digit;
      }
      const to = Math.min(end, base + stride);
      slice.addRange(from - base, to - base);
      from = to;
    }
  });
  flush();
  const out: Box[] = [];
  const fullDigits = full.build();
  if (!fullDigits.isEmpty()) out.push([fullDigits, ...radices.slice(d + 1).map((radix) => RangeSet.range(0, radix))]);
  for (const { slice: inner, digits } of bySlice.values()) {
    const outer = digits.build();
    for (const box of flatToBoxes(inner, radices, strides, d + 1)) out.push([outer, ...box]);
  }
  return out;
}

/**
 * An immutable set of points of an N-dimensional integer space, as a union of disjoint boxes
 * (one {@link RangeSet} per dimension each). Boxes that agree in all dimensions but one are merged,
 * so the box list stays short for product-shaped sets; `equals` compares the point sets, never
 * the box lists. Set algebra is quadratic in the number of boxes: keep box counts small, and
 * use flat sets (`toFlat`) for large irregular sets.
 *
 * @example
 * ```ts
 * const usAndEuAllYear = BoxSet.box([RangeSet.range(0, 365), RangeSet.of([0, 2])]);
 * usAndEuAllYear.toFlat([365, 3]).rangeCount; // 366: region 2 of day t and region 0 of day t+1 are adjacent
 * ```
 */
export class BoxSet {
  /** Number of points. */
  readonly size: number;

  private constructor(
    /** Number of dimensions. */
    readonly dims: number,
    private readonly list: readonly Box[],
  ) {
    let size = 0;
    for (const box of list) size += boxSize(box);
    this.size = size;
  }

  /** The empty set of `dims`-dimensional points. */
  static empty(dims: number): BoxSet {
    checkDims(dims);
    return new BoxSet(dims, []);
  }

  /** The product of `rangeSets` (one per dimension); empty when any of them is. */
  static box(rangeSets: readonly RangeSet[]): BoxSet {
    checkDims(rangeSets.length);
    if (rangeSets.some((set) => set.isEmpty())) return new BoxSet(rangeSets.length, []);
    return new BoxSet(rangeSets.length, [Object.freeze(rangeSets.slice())]);
  }

  /** The union of any boxes (overlapping allowed) of `dims` dimensions. */
  static fromBoxes(dims: number, boxes: Iterable<readonly RangeSet[]>): BoxSet {
    let result = BoxSet.empty(dims);
    for (const box of boxes) result = result.union(BoxSet.box(box));
    return result;
  }

  /**
   * Points of the flat mixed-radix indices in `set`: digit 0 is the most significant and
   * `radices[d]` is the size of dimension d. Digits of dimension 0 whose inner slices are equal
   * share one box (recursively), so product-shaped sets come back as few boxes; the cost is linear
   * in the number of ranges. Throws a RangeError for indices outside `[0, Π radices)`.
   */
  static fromFlat(set: RangeSet, radices: readonly number[]): BoxSet {
    const dims = radices.length;
    checkDims(dims);
    const strides = checkRadices(radices, dims);
    const total = strides[0]! * radices[0]!;
    if (set.isEmpty()) return new BoxSet(dims, []);
    if (set.min()! < 0 || set.max()! >= total) throw new RangeError(`BoxSet.fromFlat: indices must lie in [0, ${total}), got ${set.min()!}…${set.max()!}`);
    const boxes = flatToBoxes(set, radices, strides, 0);
    return new BoxSet(dims, mergeBoxes(boxes, dims).map((box) => Object.freeze(box)));
  }

  /** True when the set has no points. */
  isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Number of boxes in the (merged, disjoint) representation. */
  get boxCount(): number {
    return this.list.length;
  }

  /** Whether `point` (one index per dimension) is in the set. */
  has(point: readonly number[]): boolean {
    this.checkPoint(point);
    return this.list.some((box) => box.every((set, d) => set.has(point[d]!)));
  }

  /** The disjoint boxes whose union is the set (frozen; do not mutate). */
  boxes(): readonly Box[] {
    return this.list;
  }

  /** Points in either set. */
  union(o: BoxSet): BoxSet {
    this.checkSameDims(o);
    if (o.isEmpty()) return this;
    if (this.isEmpty()) return o;
    const added = o.difference(this);
    if (added.isEmpty()) return this;
    return new BoxSet(this.dims, mergeBoxes([...this.list, ...added.list], this.dims));
  }

  /** Points in both sets. */
  intersect(o: BoxSet): BoxSet {
    this.checkSameDims(o);
    const out: Box[] = [];
    for (const a of this.list) {
      for (const b of o.list) {
        const common = intersectBoxes(a, b);
        if (common !== undefined) out.push(Object.freeze(common));
      }
    }
    return new BoxSet(this.dims, mergeBoxes(out, this.dims));
  }

  /** Points of this set that are not in `o`; subtracting one box splits another into at most `dims` boxes. */
  difference(o: BoxSet): BoxSet {
    this.checkSameDims(o);
    if (this.isEmpty() || o.isEmpty()) return this;
    const out: Box[] = [];
    let changed = false;
    for (const a of this.list) {
      let pieces: Box[] = [a];
      for (const b of o.list) {
        if (!extentsMeet(a, b)) continue;
        const next: Box[] = [];
        for (const piece of pieces) subtractBox(piece, b, next);
        if (next.length !== 1 || next[0] !== pieces[0]) changed = true;
        pieces = next;
        if (pieces.length === 0) break;
      }
      for (const piece of pieces) out.push(Object.freeze(piece));
    }
    return changed ? new BoxSet(this.dims, mergeBoxes(out, this.dims)) : this;
  }

  /** Whether both sets hold the same points (whatever their boxes). */
  equals(o: BoxSet): boolean {
    if (o === this) return true;
    return o.dims === this.dims && o.size === this.size && this.difference(o).isEmpty();
  }

  /** The same points with dimensions reordered: dimension `i` of the result is dimension `order[i]` of this set. */
  permute(order: readonly number[]): BoxSet {
    const seen = new Set(order);
    if (order.length !== this.dims || seen.size !== this.dims || order.some((d) => !Number.isInteger(d) || d < 0 || d >= this.dims)) {
      throw new RangeError(`BoxSet.permute: [${order.join(', ')}] is not a permutation of 0…${this.dims - 1}`);
    }
    return new BoxSet(this.dims, this.list.map((box) => Object.freeze(order.map((d) => box[d]!))));
  }

  /** Every point, box by box (ascending within a box, not globally). Meant for small sets. */
  *points(): IterableIterator<number[]> {
    for (const box of this.list) {
      const iterators = box.map((set) => set.values());
      const point = iterators.map((it) => it.next().value as number);
      for (;;) {
        yield point.slice();
        let d = this.dims - 1;
        for (; d >= 0; d--) {
          const next = iterators[d]!.next();
          if (!next.done) {
            point[d] = next.value;
            break;
          }
          const restart = box[d]!.values();
          iterators[d] = restart;
          point[d] = restart.next().value as number;
        }
        if (d < 0) break;
      }
    }
  }

  /**
   * The flat mixed-radix indices of the points: digit 0 is the most significant and `radices[d]`
   * is the size of dimension d. A box whose dimensions after some dimension j are full yields
   * (points of dimensions before j) × (ranges of dimension j) flat ranges — one range when j is 0.
   * Throws a RangeError for points outside the radices.
   */
  toFlat(radices: readonly number[]): RangeSet {
    const dims = this.dims;
    const strides = checkRadices(radices, dims);
    const builder = new RangeSetBuilder();
    for (const box of this.list) {
      let inner = -1; // innermost dimension that is not full
      for (let d = 0; d < dims; d++) {
        const set = box[d]!;
        if (set.min()! < 0 || set.max()! >= radices[d]!) {
          throw new RangeError(`BoxSet.toFlat: dimension ${d} holds ${set.toString()}, outside [0, ${radices[d]!})`);
        }
        if (set.size !== radices[d]) inner = d;
      }
      if (inner < 0) {
        builder.addRange(0, strides[0]! * radices[0]!);
        continue;
      }
      const innerSet = box[inner]!;
      const innerStride = strides[inner]!;
      const emit = (d: number, base: number): void => {
        if (d === inner) {
          innerSet.forEachRange((start, end) => builder.addRange(base + start * innerStride, base + end * innerStride));
          return;
        }
        const stride = strides[d]!;
        for (const v of box[d]!.values()) emit(d + 1, base + v * stride);
      };
      emit(0, 0);
    }
    return builder.build();
  }

  /** A short human form, e.g. `{[0,5)}×{[1,2)} ∪ {[7,8)}×{[0,3)}`. */
  toString(): string {
    return this.list.length === 0 ? '∅' : this.list.map((box) => box.map((set) => set.toString()).join('×')).join(' ∪ ');
  }

  private checkSameDims(o: BoxSet): void {
    if (o.dims !== this.dims) throw new RangeError(`BoxSet: cannot combine ${this.dims}-dimensional and ${o.dims}-dimensional sets`);
  }

  private checkPoint(point: readonly number[]): void {
    if (point.length !== this.dims) throw new RangeError(`BoxSet: expected a ${this.dims}-dimensional point, got ${point.length} coordinates`);
  }
}
