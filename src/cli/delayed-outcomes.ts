import { Partitioners, type Kafka, type Producer } from 'kafkajs';

export interface DelayedOutcomesOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The label record's fields: the request id and the outcome (`input.labels.labelIdField`, `labelField`). */
  readonly idField: string;
  readonly labelField: string;
  /** Each outcome is sent a uniform random delay in [0, maxDelayMs) after `add`. */
  readonly maxDelayMs: number;
  /** The share of outcomes that never come. */
  readonly missingShare: number;
  readonly seed: number;
}

/**
 * The world's side of the delayed-labels demo: outcomes of served requests (a click, a fraud report) that come
 * later, or never. `add` draws whether the outcome comes and when; a timer sends the ones due, as JSON keyed by
 * the request id (the prediction log's key, so a request's prediction and outcome share a partition number).
 */
export class DelayedOutcomes {
  private readonly producer: Producer;
  private readonly due: { at: number; id: string; label: number }[] = [];
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private rng: number;
  /** Outcomes sent, and drawn as never coming. */
  readonly stats = { sent: 0, missing: 0 };

  constructor(private readonly options: DelayedOutcomesOptions) {
    this.producer = options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    this.rng = options.seed >>> 0 || 1;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    // A failed send leaves its outcomes due: the next tick tries them again.
    this.timer = setInterval(() => (this.sending = this.sending.then(() => this.sendDue()).catch(() => undefined)), 50);
  }

  /** The outcome of a served request: sent after a random delay, or (with `missingShare`) never; true when it will come. */
  add(id: string, label: number): boolean {
    if (this.random() < this.options.missingShare) {
      this.stats.missing++;
      return false;
    }
    this.due.push({ at: Date.now() + this.random() * this.options.maxDelayMs, id, label });
    return true;
  }

  /** Outcomes drawn and not sent yet. */
  get pending(): number {
    return this.due.length;
  }

  /** Waits until every outcome drawn so far is sent (at most `maxDelayMs` plus 10 s), then stops. */
  async stop(): Promise<void> {
    const deadline = Date.now() + this.options.maxDelayMs + 10_000;
    while (this.due.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    clearInterval(this.timer);
    await this.sending;
    await this.producer.disconnect();
  }

  private async sendDue(): Promise<void> {
    const now = Date.now();
    const ready = this.due.filter((d) => d.at <= now).sort((a, b) => a.at - b.at);
    if (ready.length === 0) return;
    const { topic, idField, labelField } = this.options;
    await this.producer.send({
      topic,
      acks: -1,
      messages: ready.map((d) => ({ key: d.id, value: JSON.stringify({ [idField]: d.id, [labelField]: d.label }) })),
    });
    const sent = new Set(ready);
    this.due.splice(0, this.due.length, ...this.due.filter((d) => !sent.has(d)));
    this.stats.sent += ready.length;
  }

  /** A small seeded LCG: the same seed draws the same outcomes. */
  private random(): number {
    this.rng = (Math.imul(this.rng, 1664525) + 1013904223) >>> 0;
    return this.rng / 2 ** 32;
  }
}
