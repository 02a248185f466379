/**
 * Combined hashes of range inputs (rollups, windows, "all"), maintained incrementally so that an
 * input over a million upstream partitions does not rehash a million values per plan.
 *
 * ## Format (`weft/range/v1`)
 * - **Leaves** are indexed 0, 1, 2, … Each is a kind byte and 32 bytes:
 *   missing (`undefined`) → `00` + zeros; a 64-lower-case-hex data version → `01` + its 32 bytes
 *   (no hashing); any other string → `02` + SHA-256(canonical(['weft/range-leaf/v1', version]));
 *   {@link UNKNOWN_DATA_VERSION} → `03` + zeros. Leaves never set (or beyond `leafCount`) are missing.
 * - **Nodes**: B = 64. The level-L node k covers leaves [k·64^L, (k+1)·64^L) — fixed, aligned blocks.
 *   Its digest is 32 zero bytes if every leaf under it is missing, else
 *   SHA-256(`'weft/range-node/v1'` ‖ u8 L ‖ its 64 children), children being kind ‖ digest at L = 1
 *   and digests above.
 * - **Decomposition** of [a, b): from `p = a`, repeatedly take the largest aligned block starting at
 *   `p` that fits in [p, b) (a level-0 block is a loose leaf). This gives loose leaves at the edges and
 *   whole aligned blocks in the middle, and depends only on (a, b).
 * - **Range hash** = hex SHA-256(`'weft/range/v1'` ‖ u64 a ‖ u64 b ‖ each piece in order: kind ‖ digest
 *   for a leaf, digest for a node), or {@link UNKNOWN_DATA_VERSION} if any leaf in [a, b) is unknown.
 *
 * The result depends only on (a, b) and the leaves in [a, b): never on the tree's capacity, the order
 * of updates or which nodes were cached. {@link combinedHashOf} computes the same value from scratch.
 *
 * ## Costs
 * Storage: 33 bytes per leaf slot (capacity doubles: up to 66 bytes per leaf) plus ~1/64 of that for
 * the upper levels. Setting a leaf costs no hashing (for digest-shaped versions) and marks its
 * ancestors dirty; a `rangeHash` recomputes only dirty nodes inside the blocks it uses (each a
 * SHA-256 over ~2 KB), then hashes at most ~2·63 pieces per level. So 10,000 scattered updates in a
 * 1,000,000-leaf tree followed by a full-range `rangeHash` rehash ≤ ~7,600 level-1 nodes plus ≤ 250
 * above, not a million leaves ({@link RangeHashTree.nodeHashes} counts them; tests check the count).
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { withCanonicalWriter } from './canonical-encoding.js';
import { UNKNOWN_DATA_VERSION, type DataVersion } from './data-version.js';
import { sha256Digest, sha256HexOfBytes } from './sha256.js';

/** Children per node. Part of the format: changing it changes every range hash. */
export const RANGE_HASH_BRANCHING = 64;
/** Leaf indices and range bounds must be ≤ this (2^32). */
export const RANGE_HASH_MAX_INDEX = 2 ** 32;
/** Domain strings of the range-hash format. */
export const RANGE_HASH_DOMAINS = { leaf: 'weft/range-leaf/v1', node: 'weft/range-node/v1', range: 'weft/range/v1' } as const;

const B = RANGE_HASH_BRANCHING;
const SHIFT = 6;
const LEAF_MISSING = 0;
const LEAF_DIGEST = 1;
const LEAF_HASHED = 2;
const LEAF_UNKNOWN = 3;
const DIRTY = 1;
const HAS_UNKNOWN = 2;
const NONEMPTY = 4;
const ZERO = new Uint8Array(32);
const encoder = new TextEncoder();
const NODE_PREFIX = encoder.encode(RANGE_HASH_DOMAINS.node);
const RANGE_PREFIX = encoder.encode(RANGE_HASH_DOMAINS.range);

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/** Writes the leaf digest of `version` into `out[offset…offset+32)` and returns its kind. */
function encodeLeaf(version: DataVersion | undefined, out: Uint8Array, offset: number): number {
  if (version === undefined || version === UNKNOWN_DATA_VERSION) {
    out.fill(0, offset, offset + 32);
    return version === undefined ? LEAF_MISSING : LEAF_UNKNOWN;
  }
  if (version.length === 64) {
    let ok = true;
    for (let j = 0; j < 32; j++) {
      const hi = HEX_VALUE[version.charCodeAt(2 * j)] ?? -1;
      const lo = HEX_VALUE[version.charCodeAt(2 * j + 1)] ?? -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        break;
      }
      out[offset + j] = (hi << 4) | lo;
    }
    if (ok) return LEAF_DIGEST;
  }
  const digest = withCanonicalWriter((writer) => {
    writer.beginArray(2);
    writer.writeString(RANGE_HASH_DOMAINS.leaf);
    writer.writeString(version);
    return sha256Digest(writer.bytes());
  });
  out.set(digest, offset);
  return LEAF_HASHED;
}

/** Builds the hash input of one node: prefix ‖ level ‖ 64 children. */
class NodeInput {
  private readonly buffer = new Uint8Array(NODE_PREFIX.length + 1 + B * 33);
  private position = 0;
  private nonEmpty = false;
  private unknown = false;

  constructor() {
    this.buffer.set(NODE_PREFIX);
  }

  begin(level: number): void {
    this.buffer[NODE_PREFIX.length] = level;
    this.position = NODE_PREFIX.length + 1;
    this.nonEmpty = false;
    this.unknown = false;
  }

  addLeaf(kind: number, digests: Uint8Array, offset: number): void {
    this.buffer[this.position] = kind;
    this.buffer.set(digests.subarray(offset, offset + 32), this.position + 1);
    this.position += 33;
    if (kind !== LEAF_MISSING) this.nonEmpty = true;
    if (kind === LEAF_UNKNOWN) this.unknown = true;
  }

  addNode(flags: number, digests: Uint8Array, offset: number): void {
    this.buffer.set(digests.subarray(offset, offset + 32), this.position);
    this.position += 32;
    if (flags & NONEMPTY) this.nonEmpty = true;
    if (flags & HAS_UNKNOWN) this.unknown = true;
  }

  /** Writes the digest to `out[offset…]`; returns the node's flags (DIRTY cleared). */
  finish(out: Uint8Array, offset: number): number {
    if (!this.nonEmpty) {
      out.fill(0, offset, offset + 32);
      return 0;
    }
    out.set(sha256Digest(this.buffer.subarray(0, this.position)), offset);
    return NONEMPTY | (this.unknown ? HAS_UNKNOWN : 0);
  }
}

/** Builds the final hash input: prefix ‖ u64 a ‖ u64 b ‖ pieces. */
class RangeInput {
  private buffer = new Uint8Array(4096);
  private view = new DataView(this.buffer.buffer);
  private position = 0;
  private unknown = false;

  begin(a: number, b: number): void {
    this.buffer.set(RANGE_PREFIX);
    let p = RANGE_PREFIX.length;
    for (const bound of [a, b]) {
      this.view.setUint32(p, Math.floor(bound / 2 ** 32));
      this.view.setUint32(p + 4, bound >>> 0);
      p += 8;
    }
    this.position = p;
    this.unknown = false;
  }

  addLeaf(kind: number, digests: Uint8Array, offset: number): void {
    this.ensure(33);
    this.buffer[this.position] = kind;
    this.buffer.set(digests.subarray(offset, offset + 32), this.position + 1);
    this.position += 33;
    if (kind === LEAF_UNKNOWN) this.unknown = true;
  }

  addNode(flags: number, digests: Uint8Array, offset: number): void {
    this.ensure(32);
    this.buffer.set(digests.subarray(offset, offset + 32), this.position);
    this.position += 32;
    if (flags & HAS_UNKNOWN) this.unknown = true;
  }

  finish(): string {
    return this.unknown ? UNKNOWN_DATA_VERSION : sha256HexOfBytes(this.buffer.subarray(0, this.position));
  }

  private ensure(extra: number): void {
    if (this.position + extra <= this.buffer.length) return;
    const next = new Uint8Array(this.buffer.length * 2);
    next.set(this.buffer.subarray(0, this.position));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}

const sharedRangeInput = new RangeInput();

function checkBounds(a: number, b: number): void {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < a || b > RANGE_HASH_MAX_INDEX) {
    throw new WeftError('hashing.bad_value', `bad range [${a}, ${b}): need integers 0 ≤ a ≤ b ≤ 2^32`, { field: 'range' });
  }
}

/**
 * Calls `visit(level, index)` for each piece of the canonical decomposition of [a, b), in order.
 * Exported for the tests and for callers that want to store or explain the decomposition.
 */
export function forEachRangePiece(a: number, b: number, visit: (level: number, index: number) => void): void {
  checkBounds(a, b);
  let position = a;
  while (position < b) {
    let level = 0;
    let size = 1;
    while (position % (size * B) === 0 && position + size * B <= b) {
      size *= B;
      level++;
    }
    visit(level, position / size);
    position += size;
  }
}

/**
 * An incrementally maintained B-ary (B = 64) Merkle tree over leaf data versions, answering
 * `rangeHash(a, b)` for any range while rehashing only what changed since the last query.
 * Storage per level is one `Uint8Array` of 32-byte digests (plus a byte of kind/flags per node),
 * grown by doubling. Not safe for concurrent use from several threads (it is plain memory).
 *
 * @example
 * const tree = new RangeHashTree();
 * tree.setLeaves(0, dailyVersions);            // index = upstream partition index
 * const hash = tree.rangeHash(0, tree.leafCount); // an "all" input
 */
export class RangeHashTree {
  private digests: Uint8Array[] = [];
  /** Level 0: leaf kinds. Levels ≥ 1: DIRTY | HAS_UNKNOWN | NONEMPTY. */
  private flags: Uint8Array[] = [];
  private counts: number[] = [];
  private capacity = 0;
  private leaves = 0;
  private unknownLeaves = 0;
  private hashes = 0;
  private readonly scratch = new Uint8Array(32);
  private readonly node = new NodeInput();

  /** @param initialCapacity leaf slots to allocate up front (rounded up to a power of two ≥ 64). */
  constructor(initialCapacity = 64) {
    this.grow(Math.max(B, initialCapacity));
  }

  /** One more than the highest leaf index ever set (leaves never set count as missing). */
  get leafCount(): number {
    return this.leaves;
  }

  /** How many node digests this tree has computed so far: the cost measure of its incrementality. */
  get nodeHashes(): number {
    return this.hashes;
  }

  /** Bytes held by the tree's typed arrays. */
  get byteSize(): number {
    let total = 0;
    for (let level = 0; level < this.digests.length; level++) total += this.digests[level]!.length + this.flags[level]!.length;
    return total;
  }

  /**
   * Sets leaf `index` to a data version, or to missing with `undefined`. Setting a leaf to the value it
   * already has changes nothing (no node becomes dirty).
   */
  setLeaf(index: number, version: DataVersion | undefined): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= RANGE_HASH_MAX_INDEX) {
      throw new WeftError('hashing.bad_value', `bad leaf index ${index}: need an integer in [0, 2^32)`, { field: 'index' });
    }
    if (index >= this.capacity) this.grow(index + 1);
    if (index >= this.leaves) this.leaves = index + 1;
    const kind = encodeLeaf(version, this.scratch, 0);
    const kinds = this.flags[0]!;
    const digests = this.digests[0]!;
    const offset = index * 32;
    const previous = kinds[index]!;
    if (previous === kind) {
      let same = true;
      for (let j = 0; j < 32; j++) {
        if (digests[offset + j] !== this.scratch[j]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    if (previous === LEAF_UNKNOWN) this.unknownLeaves--;
    if (kind === LEAF_UNKNOWN) this.unknownLeaves++;
    kinds[index] = kind;
    digests.set(this.scratch, offset);
    let k = index;
    for (let level = 1; level < this.flags.length; level++) {
      k = k >>> SHIFT;
      const levelFlags = this.flags[level]!;
      if (levelFlags[k]! & DIRTY) break;
      levelFlags[k] = levelFlags[k]! | DIRTY;
    }
  }

  /** Sets leaves `start`, `start + 1`, … to `versions` in order. */
  setLeaves(start: number, versions: Iterable<DataVersion | undefined>): void {
    let index = start;
    for (const version of versions) this.setLeaf(index++, version);
  }

  /** Whether any leaf of the tree is unknown. */
  get hasUnknown(): boolean {
    return this.unknownLeaves > 0;
  }

  /**
   * The combined hash of leaves [a, b) (see the module documentation), or `UNKNOWN_DATA_VERSION` if
   * one of them is unknown. `b` may exceed `leafCount`: leaves beyond it are missing.
   *
   * @throws WeftError `hashing.bad_value` unless 0 ≤ a ≤ b ≤ 2^32 are integers.
   */
  rangeHash(a: number, b: number): string {
    checkBounds(a, b);
    const input = sharedRangeInput;
    input.begin(a, b);
    forEachRangePiece(a, b, (level, index) => {
      if (level === 0) {
        if (index >= this.capacity) input.addLeaf(LEAF_MISSING, ZERO, 0);
        else input.addLeaf(this.flags[0]![index]!, this.digests[0]!, index * 32);
        return;
      }
      while (this.digests.length <= level) this.addLevel();
      if (index >= this.counts[level]!) {
        input.addNode(0, ZERO, 0);
        return;
      }
      this.clean(level, index);
      input.addNode(this.flags[level]![index]!, this.digests[level]!, index * 32);
    });
    return input.finish();
  }

  /** Recomputes node (level ≥ 1, index) and its dirty descendants. */
  private clean(level: number, index: number): void {
    const levelFlags = this.flags[level]!;
    if (!(levelFlags[index]! & DIRTY)) return;
    const childLevel = level - 1;
    const first = index * B;
    const end = Math.min(first + B, this.counts[childLevel]!);
    const childFlags = this.flags[childLevel]!;
    const childDigests = this.digests[childLevel]!;
    if (childLevel > 0) {
      for (let child = first; child < end; child++) if (childFlags[child]! & DIRTY) this.clean(childLevel, child);
    }
    const node = this.node;
    node.begin(level);
    for (let child = first; child < first + B; child++) {
      const present = child < end;
      if (childLevel === 0) node.addLeaf(present ? childFlags[child]! : LEAF_MISSING, present ? childDigests : ZERO, present ? child * 32 : 0);
      else node.addNode(present ? childFlags[child]! : 0, present ? childDigests : ZERO, present ? child * 32 : 0);
    }
    const flags = node.finish(this.digests[level]!, index * 32);
    if (flags & NONEMPTY) this.hashes++;
    levelFlags[index] = flags;
  }

  private grow(needed: number): void {
    let capacity = Math.max(B, this.capacity);
    while (capacity < needed) capacity *= 2;
    this.capacity = capacity;
    for (let level = 0; level < this.digests.length; level++) {
      const count = Math.ceil(capacity / B ** level);
      if (count <= this.counts[level]!) continue;
      const digests = new Uint8Array(count * 32);
      digests.set(this.digests[level]!);
      const flags = new Uint8Array(count);
      flags.set(this.flags[level]!);
      this.digests[level] = digests;
      this.flags[level] = flags;
      this.counts[level] = count;
    }
    while (this.digests.length === 0 || B ** (this.digests.length - 1) < capacity) this.addLevel();
  }

  /** Adds a level above the current top; its nodes start dirty (level 0 starts all missing). */
  private addLevel(): void {
    const level = this.digests.length;
    const count = Math.ceil(this.capacity / B ** level);
    this.digests.push(new Uint8Array(count * 32));
    this.flags.push(new Uint8Array(count).fill(level === 0 ? LEAF_MISSING : DIRTY));
    this.counts.push(count);
  }
}

/**
 * The combined hash of the leaves `versions` placed at indices `start, start + 1, …`, computed from
 * scratch — the same value `RangeHashTree.rangeHash(start, start + n)` gives for the same leaves, so a
 * planner can use either. Meant for small ranges (a 24-hour rollup, a 7-day window); its cost is
 * linear in the number of versions.
 */
export function combinedHashOf(versions: Iterable<DataVersion | undefined>, start: number): string {
  const list = Array.from(versions);
  const n = list.length;
  checkBounds(start, start + n);
  const kinds = new Uint8Array(n);
  const digests = new Uint8Array(n * 32);
  list.forEach((version, i) => (kinds[i] = encodeLeaf(version, digests, i * 32)));
  return combineLeaves(kinds, digests, start, n);
}

/**
 * {@link combinedHashOf} of `n` leaves held as raw digests, placed at indices `0 … n - 1`: leaf j is
 * missing where `present[first + j]` is not 1, else the data version whose 32 bytes are
 * `digests[(first + j) · 32 …]` (the same leaf as its 64-hex string). For a caller that keeps data
 * versions as bytes (the planner): no hex strings, nothing allocated per leaf.
 */
export function combinedHashOfDigests(digests: Uint8Array, present: Uint8Array, first: number, n: number): string {
  checkBounds(0, n);
  const kinds = n <= leafKinds.length ? leafKinds : (leafKinds = new Uint8Array(Math.max(n, 2 * leafKinds.length)));
  for (let j = 0; j < n; j++) kinds[j] = present[first + j] === 1 ? LEAF_DIGEST : LEAF_MISSING;
  // A missing leaf's digest is zeros: copy the present ones, zero the others.
  const leaves = n * 32 <= leafDigests.length ? leafDigests : (leafDigests = new Uint8Array(Math.max(n * 32, 2 * leafDigests.length)));
  leaves.set(digests.subarray(first * 32, (first + n) * 32));
  for (let j = 0; j < n; j++) if (kinds[j] === LEAF_MISSING) leaves.fill(0, j * 32, j * 32 + 32);
  return combineLeaves(kinds, leaves, 0, n);
}

/** Scratch leaves of {@link combinedHashOfDigests} (grown on demand, reused). */
let leafKinds = new Uint8Array(64);
let leafDigests = new Uint8Array(64 * 32);
const sharedNode = new NodeInput();

/** The range hash of leaves `[start, start + n)`, leaf `start + k` of kind `kinds[k]` with digest `digests[k·32 …]`. */
function combineLeaves(kinds: Uint8Array, digests: Uint8Array, start: number, n: number): string {
  const node = sharedNode;
  /** Digest and flags of the aligned block (level, index), which lies entirely inside the range. */
  const block = (level: number, index: number, out: Uint8Array, offset: number): number => {
    // (Children are computed before this node's input begins: the shared node input is free again.)
    const childDigests = level > 1 ? new Uint8Array(B * 32) : ZERO;
    const childFlags = level > 1 ? new Uint8Array(B) : ZERO;
    if (level > 1) for (let c = 0; c < B; c++) childFlags[c] = block(level - 1, index * B + c, childDigests, c * 32);
    node.begin(level);
    for (let c = 0; c < B; c++) {
      if (level > 1) node.addNode(childFlags[c]!, childDigests, c * 32);
      else {
        const leaf = index * B + c - start;
        node.addLeaf(kinds[leaf]!, digests, leaf * 32);
      }
    }
    return node.finish(out, offset);
  };
  const input = sharedRangeInput;
  input.begin(start, start + n);
  const pieceDigest = new Uint8Array(32);
  forEachRangePiece(start, start + n, (level, index) => {
    if (level === 0) input.addLeaf(kinds[index - start]!, digests, (index - start) * 32);
    else input.addNode(block(level, index, pieceDigest, 0), pieceDigest, 0);
  });
  return input.finish();
}
