/**
 * A first-in first-out queue bounded by item count and by total size, that refuses instead of waiting: `offer`
 * returns false when the item does not fit, so a caller on a request path never blocks on it. Items are taken
 * from the head in batches; a batch that could not be delivered can be put back at the head, as far as it fits.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  /** Index of the head in `items`; the taken prefix is cut off once it is half the array. */
  private head = 0;
  private totalBytes = 0;

  constructor(
    readonly maxItems: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Sum of the sizes of the items queued. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Appends the item if one more item of `size` stays within both bounds; false (and nothing queued) if not. */
  offer(item: T, size: number): boolean {
    if (!this.fits(1, size)) return false;
    this.items.push(item);
    this.sizes.push(size);
    this.totalBytes += size;
    return true;
  }

  /**
   * Removes and returns up to `maxCount` items from the head, stopping before the item that would take the
   * batch past `maxBatchBytes` (a batch always holds at least one item when the queue is not empty).
   */
  take(maxCount: number, maxBatchBytes = Infinity): { items: T[]; sizes: number[] } {
    let end = this.head;
    let bytes = 0;
    const limit = Math.min(this.items.length, this.head + maxCount);
    while (end < limit) {
      const size = this.sizes[end] as number;
      if (end > this.head && bytes + size > maxBatchBytes) break;
      bytes += size;
      end++;
    }
    const batch = { items: this.items.slice(this.head, end), sizes: this.sizes.slice(this.head, end) };
    this.head = end;
    this.totalBytes -= bytes;
    this.compact();
    return batch;
  }

  /**
   * Puts a taken batch back at the head, in its order, as far as the bounds allow given what was queued since:
   * the batch's first items are kept. Returns how many items did not fit (and are gone).
   */
  putBack(items: readonly T[], sizes: readonly number[]): number {
    let kept = 0;
    let bytes = 0;
    while (kept < items.length && this.fits(kept + 1, bytes + (sizes[kept] as number))) bytes += sizes[kept++] as number;
    this.items = [...items.slice(0, kept), ...this.items.slice(this.head)];
    this.sizes = [...sizes.slice(0, kept), ...this.sizes.slice(this.head)];
    this.head = 0;
    this.totalBytes += bytes;
    return items.length - kept;
  }

  private fits(extraItems: number, extraBytes: number): boolean {
    return this.length + extraItems <= this.maxItems && this.totalBytes + extraBytes <= this.maxBytes;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.sizes = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
