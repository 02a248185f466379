/**
 * The values this worker stored last, by storage URI, kept in memory within a byte budget: the
 * next asset in a pipeline usually reads what the previous one just wrote, and need not fetch it
 * back from object storage. Values are stored by content (their key holds their data version, the
 * hash of their bytes), so the bytes behind a URI never change: a cached copy is always the value.
 * Large values are not kept; the least recently used go first. Copies go in and out (a codec or a
 * compute that changes the bytes it was given changes its own copy).
 */
export class RecentValues {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  /**
   * @param budget Bytes kept in all. @default 32 MiB
   * @param largest A larger value is not kept. @default 256 KiB
   */
  constructor(
    private readonly budget = 32 * 1024 * 1024,
    private readonly largest = 256 * 1024,
  ) {}

  /** Remembers the value just stored at `uri`. */
  set(uri: string, value: Uint8Array): void {
    if (value.byteLength > this.largest || value.byteLength > this.budget) return;
    this.drop(uri);
    this.entries.set(uri, value.slice());
    this.bytes += value.byteLength;
    for (const [oldest, bytes] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(oldest);
      this.bytes -= bytes.byteLength;
    }
  }

  /** The value stored at `uri`, if it is still kept (it becomes the most recently used). */
  get(uri: string): Uint8Array | undefined {
    const value = this.entries.get(uri);
    if (value === undefined) return undefined;
    this.entries.delete(uri);
    this.entries.set(uri, value);
    return value.slice();
  }

  /** How many values and bytes are kept. */
  get size(): { values: number; bytes: number } {
    return { values: this.entries.size, bytes: this.bytes };
  }

  private drop(uri: string): void {
    const old = this.entries.get(uri);
    if (old === undefined) return;
    this.entries.delete(uri);
    this.bytes -= old.byteLength;
  }
}
