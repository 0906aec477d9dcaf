import { Subject, type Observable } from 'rxjs';
import type { RecordChunk } from '../core/index.js';
import type { RecordSink } from '../consumers/index.js';

/**
 * The backpressure valve between the consumer and the learner. It counts records from the moment the consumer
 * offers them until the learner releases them (batch learned, raw data dropped). At `capacity` the consumer is
 * told to pause; it is woken when the count falls to half, so it does not flap around the limit. The consumer
 * checks between chunks, so memory held by raw records is bounded by `capacity` plus one chunk, whatever the
 * input rate.
 */
export class BoundedBuffer implements RecordSink {
  private held = 0;
  private waiters: (() => void)[] = [];
  private readonly subject = new Subject<RecordChunk>();
  /** The most records ever held at once, for the memory benchmark and /metrics. */
  highWater = 0;

  constructor(readonly capacity: number) {}

  get chunks$(): Observable<RecordChunk> {
    return this.subject.asObservable();
  }

  get size(): number {
    return this.held;
  }

  get full(): boolean {
    return this.held >= this.capacity;
  }

  offer(chunk: RecordChunk): void {
    this.held += chunk.records;
    if (this.held > this.highWater) this.highWater = this.held;
    this.subject.next(chunk);
  }

  whenRoom(): Promise<void> {
    if (this.held <= this.capacity / 2) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Called by the learner once `n` records are learned and dropped. */
  release(n: number): void {
    this.held = Math.max(0, this.held - n);
    if (this.held <= this.capacity / 2 && this.waiters.length) {
      const w = this.waiters;
      this.waiters = [];
      w.forEach((resolve) => resolve());
    }
  }

  /** No more records: the pipeline flushes its partial batch and completes. */
  complete(): void {
    this.subject.complete();
    this.release(0);
    this.waiters.forEach((resolve) => resolve());
    this.waiters = [];
  }
}
