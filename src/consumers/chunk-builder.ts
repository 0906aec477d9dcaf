import type { RecordChunk, RejectedRecord } from '../core/index.js';

/**
 * Accumulates consecutive records of one partition into a RecordChunk: the decoder writes each example's
 * features straight into the next row, so the hot path allocates nothing per record.
 */
export class ChunkBuilder {
  readonly features: Float32Array;
  private readonly labels: Float32Array;
  private readonly offsets: string[] = [];
  private readonly rejected: RejectedRecord[] = [];
  private first?: string;
  private last?: string;
  /** Examples written so far: the next example goes to row `size`. */
  size = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly width: number,
    /** The most records (examples and rejected) this chunk takes. */
    readonly capacity: number,
  ) {
    this.features = new Float32Array(capacity * width);
    this.labels = new Float32Array(capacity);
  }

  get records(): number {
    return this.size + this.rejected.length;
  }

  /** Row `size` of `features` holds the example's input vector; this records its label and position. */
  accept(label: number, offset: string): void {
    const row = this.size++;
    this.labels[row] = label;
    this.offsets.push(offset);
    this.first ??= offset;
    this.last = offset;
  }

  reject(r: RejectedRecord): void {
    this.rejected.push(r);
    this.first ??= r.offset;
    this.last = r.offset;
  }

  /** The chunk so far; the builder must not be used afterwards. */
  finish(): RecordChunk {
    if (this.first === undefined || this.last === undefined) throw new RangeError('an empty chunk has no offsets');
    const n = this.size;
    return {
      topic: this.topic,
      partition: this.partition,
      from: BigInt(this.first),
      to: BigInt(this.last) + 1n,
      size: n,
      width: this.width,
      features: n === this.capacity ? this.features : this.features.subarray(0, n * this.width),
      labels: n === this.capacity ? this.labels : this.labels.subarray(0, n),
      offsets: this.offsets,
      rejected: this.rejected,
      records: this.records,
    };
  }
}
