import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger, RejectedRecord } from '../core/index.js';

/** The dead-letter entry: the rejection's coordinates and reason, the model, and the payload only on opt-in. */
export type DeadLetterEntry = Omit<RejectedRecord, 'kind' | 'payload'> & { readonly model: string; readonly payloadBase64?: string };

/**
 * Sends rejected records to the dead-letter topic. Entries are queued and sent per micro-batch; `flush()` is
 * awaited before a checkpoint commits offsets, so a rejected record is never lost from both the model's lineage
 * and the dead-letter topic. After a crash, entries since the last checkpoint are sent again (at-least-once):
 * the key `topic:partition:offset` lets readers drop repeats.
 */
export class DeadLetterPublisher {
  private readonly producer: Producer;
  private queue: Message[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  readonly counts: Record<string, number> = {};

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly model: string,
    logger: Logger,
  ) {
    // Not idempotent: kafkajs wants unbounded retries for that, which would hold the checkpoint chain for as long
    // as a broker outage lasts. A retried send may repeat an entry; readers skip repeats (dead letters by key,
    // version events by version). Naming the partitioner keeps kafkajs' v2 notice out of the logs.
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    this.log = logger.child({ module: 'dead-letter' });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  add(r: RejectedRecord): void {
    this.counts[r.reason] = (this.counts[r.reason] ?? 0) + 1;
    const entry: DeadLetterEntry = {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      reason: r.reason,
      message: r.message,
      model: this.model,
      ...(r.payload ? { payloadBase64: r.payload.toString('base64') } : {}),
    };
    this.queue.push({
      key: `${r.topic}:${r.partition}:${r.offset}`,
      value: JSON.stringify(entry),
      headers: { reason: r.reason, 'source-topic': r.topic, 'source-partition': String(r.partition), 'source-offset': r.offset },
    });
  }

  /**
   * Starts sending what is queued. A failed send puts its entries back at the head of the queue, so the next
   * `flush()` retries them instead of losing them.
   */
  send(): Promise<void> {
    const messages = this.queue;
    this.queue = [];
    this.inFlight = this.inFlight
      .catch(() => undefined)
      .then(async () => {
        if (messages.length === 0) return;
        try {
          await this.producer.send({ topic: this.topic, acks: -1, messages });
        } catch (err) {
          this.queue.unshift(...messages);
          throw err;
        }
      });
    return this.inFlight;
  }

  /** Resolves when every entry added so far is acknowledged by the broker. */
  async flush(): Promise<void> {
    await this.send();
  }

  async disconnect(): Promise<void> {
    await this.flush().catch((err: Error) => this.log.error({ err: err.message }, 'dead-letter flush failed on shutdown'));
    await this.producer.disconnect();
  }
}
