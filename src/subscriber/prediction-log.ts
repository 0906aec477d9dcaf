import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodePredictionEvent, type Logger, type PredictionEvent } from '../core/index.js';
import { BoundedQueue } from './bounded-queue.js';
import { predictionLogSettings, type PredictionLogOptions, type PredictionLogSettings } from './prediction-log-options.js';

/** Counters of the prediction log since it started. */
export interface PredictionLogStats {
  /** Records waiting to be sent, and their bytes. */
  readonly queued: number;
  readonly queuedBytes: number;
  /** Records the broker acknowledged. */
  readonly sent: number;
  /** Records given up: the queue was full, the log was stopped, or `stop()` timed out before their ack. */
  readonly dropped: number;
  /** Sends that failed after kafkajs' retries (their records went back to the queue, as far as it had room). */
  readonly failedSends: number;
}

const HEADERS = { 'content-type': 'avro/binary', schema: 'io.streamtrain.events.Prediction' };
/** Bytes counted for a record beyond its key and value (headers, record framing). */
const RECORD_OVERHEAD = 64;

/**
 * Sends prediction records to Kafka off the request path. `add()` encodes the record and queues it, and never
 * waits: when the bounded queue is full the record is dropped and counted. Batches go out after `lingerMs`, or
 * at once when `batchSize` records wait, one send at a time; a failed send puts its batch back at the head of
 * the queue. Each record is keyed by its request id (kafkajs' default partitioner, murmur2 as in the Java
 * client). Delivery is at-least-once for what is not dropped: a batch resent after a failure may repeat records.
 * Without `logFeatures: true` the features are removed here, whatever the caller passed.
 */
export class PredictionLog {
  readonly settings: PredictionLogSettings;
  private readonly producer: Producer;
  private readonly queue: BoundedQueue<Message>;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private inFlight = 0;
  private backoffUntil = 0;
  private closed = false;
  /** Set when `close()` gave up waiting: nothing is counted as sent after that. */
  private abandoned = false;
  private sent = 0;
  private dropped = 0;
  private failedSends = 0;
  /** Drops since the last time the log said so, and whether it is in a dropping spell. */
  private dropSpell = 0;

  constructor(kafka: Kafka, options: PredictionLogOptions, logger: Logger) {
    this.settings = predictionLogSettings(options);
    const { idempotent, retries, maxQueued, maxQueuedBytes } = this.settings;
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: { retries },
    });
    this.queue = new BoundedQueue(maxQueued, maxQueuedBytes);
    this.log = logger.child({ module: 'prediction-log', topic: this.settings.topic });
  }

  get stats(): PredictionLogStats {
    return { queued: this.queue.length, queuedBytes: this.queue.bytes, sent: this.sent, dropped: this.dropped, failedSends: this.failedSends };
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Encodes and queues one record; false when it was dropped (queue full, or the log is stopped). Never waits. */
  add(event: PredictionEvent): boolean {
    if (this.closed) return this.drop(1, 'stopped');
    const { features: _features, ...withoutFeatures } = event;
    const value = encodePredictionEvent(this.settings.logFeatures ? event : withoutFeatures);
    const size = value.length + Buffer.byteLength(event.requestId) + RECORD_OVERHEAD;
    if (!this.queue.offer({ key: event.requestId, value, headers: HEADERS }, size)) return this.drop(1, 'queue full');
    if (this.queue.length === this.settings.batchSize && this.timer && Date.now() >= this.backoffUntil) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule();
    return true;
  }

  /** Sends what is queued now; resolves when the queue is empty or a send failed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined;
      this.schedule();
    });
    return this.sending;
  }

  /**
   * Stops taking records and sends the queued ones, waiting at most `closeTimeoutMs` (failed sends are retried
   * after `retryBackoffMs` meanwhile); what is still unacknowledged then is counted as dropped. Disconnects.
   */
  async close(): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + this.settings.closeTimeoutMs;
    while ((this.queue.length > 0 || this.sending) && Date.now() < deadline) {
      const wait = Math.max(0, this.backoffUntil - Date.now());
      if (wait > 0 && !this.sending) await sleep(Math.min(wait, deadline - Date.now()));
      else await settledWithin(this.flush(), deadline - Date.now());
    }
    clearTimeout(this.timer);
    const unacknowledged = this.queue.length + this.inFlight;
    if (unacknowledged > 0) {
      this.abandoned = true;
      this.queue.take(Infinity);
      this.dropped += unacknowledged;
      this.log.error({ unacknowledged, timeoutMs: this.settings.closeTimeoutMs }, 'prediction log stopped before every record was acknowledged');
    }
    await this.producer.disconnect();
  }

  /** Sends batches until the queue is empty; stops at the first failed send, whose batch goes back to the queue. */
  private async sendAll(): Promise<void> {
    const { topic, acks, batchSize, batchBytes, retryBackoffMs } = this.settings;
    while (this.queue.length > 0 && !this.abandoned) {
      const batch = this.queue.take(batchSize, batchBytes);
      this.inFlight = batch.items.length;
      try {
        await this.producer.send({ topic, acks, messages: batch.items });
        if (this.abandoned) return;
        this.sent += batch.items.length;
        if (this.dropSpell > 0) this.endDropSpell();
      } catch (err) {
        if (this.abandoned) return;
        this.failedSends++;
        this.backoffUntil = Date.now() + retryBackoffMs;
        const lost = this.queue.putBack(batch.items, batch.sizes);
        if (lost > 0) this.drop(lost, 'queue full');
        this.log.warn({ err: (err as Error).message, records: batch.items.length, queued: this.queue.length }, 'prediction log send failed; will retry');
        return;
      } finally {
        this.inFlight = 0;
      }
    }
  }

  /** Sends after `lingerMs` (at once for a full batch), or after the back-off of a failed send. */
  private schedule(): void {
    if (this.closed || this.sending || this.timer || this.queue.length === 0) return;
    const linger = this.queue.length >= this.settings.batchSize ? 0 : this.settings.lingerMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(linger, this.backoffUntil - Date.now()),
    );
    this.timer.unref();
  }

  /** Counts dropped records; says so once per spell of drops (no log per record). */
  private drop(count: number, reason: 'queue full' | 'stopped'): false {
    this.dropped += count;
    if (this.dropSpell === 0) this.log.warn({ reason, queued: this.queue.length, queuedBytes: this.queue.bytes }, 'prediction log dropping records');
    this.dropSpell += count;
    return false;
  }

  private endDropSpell(): void {
    this.log.info({ dropped: this.dropSpell, totalDropped: this.dropped }, 'prediction log sending again after dropping records');
    this.dropSpell = 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Waits for `work` (which never rejects) or `ms`, whichever comes first, leaving no timer behind. */
async function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
