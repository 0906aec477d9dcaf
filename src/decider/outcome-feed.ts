import type { Consumer, Kafka } from 'kafkajs';
import type { Logger, PredictionEvent, StartPosition } from '../core/index.js';
import { decodePredictionEvent } from '../core/index.js';
import type { JoinRecordDecoder } from '../consumers/index.js';
import { OutcomeJoin, type Outcome, type OutcomeJoinOptions } from './outcome-join.js';

export interface OutcomeFeedOptions {
  readonly kafka: Kafka;
  readonly predictionsTopic: string;
  readonly labelsTopic: string;
  readonly model: string;
  /** Where both topics stood when the rollout began; partitions not named start at their beginning. */
  readonly start: readonly StartPosition[];
  readonly join: OutcomeJoinOptions;
  /** Once the labels topic is read up to now, a prediction older than now minus this and `maxDelayMs` is settled. */
  readonly idleGraceMs: number;
  readonly labels: JoinRecordDecoder;
  readonly logger: Logger;
  /** A served prediction of this model (guardrails need no label). */
  readonly onPrediction: (p: PredictionEvent) => void;
  readonly onOutcome: (o: Outcome) => void;
}

/**
 * Reads a rollout's prediction log and labels from the positions the rollout began at, joins them, and hands
 * on each prediction and each outcome. It commits nothing: a decider that takes over replays from the start.
 * An undecodable record is skipped and counted (the trainer's dead-letter topic has the reasons).
 */
export class OutcomeFeed {
  private consumer?: Consumer;
  private readonly join: OutcomeJoin;
  private readonly log: Logger;
  private readonly labelLag = new Map<number, number>();
  skipped = 0;

  constructor(private readonly o: OutcomeFeedOptions) {
    this.join = new OutcomeJoin(o.join);
    this.log = o.logger.child({ module: 'outcome-feed' });
  }

  async start(groupId: string): Promise<void> {
    const { kafka, predictionsTopic, labelsTopic } = this.o;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [predictionsTopic, labelsTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) await this.record(batch.topic, m.value, Number(m.timestamp));
        if (batch.topic === labelsTopic) this.labelLag.set(batch.partition, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1);
        // The clock settles predictions only once the labels are read up to now: a replay must not expire
        // predictions whose labels it has yet to read.
        if (this.labelLag.size > 0 && [...this.labelLag.values()].every((lag) => lag <= 0)) this.flush(this.join.expire(Date.now() - this.o.idleGraceMs));
      },
    });
    for (const p of this.o.start) consumer.seek({ topic: p.topic, partition: p.partition, offset: p.offset });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async record(topic: string, value: Buffer | null, timestamp: number): Promise<void> {
    if (!value) return;
    try {
      if (topic === this.o.predictionsTopic) {
        const p = decodePredictionEvent(value);
        if (p.model !== this.o.model) return;
        this.o.onPrediction(p);
        const outcome = this.join.addPrediction(p);
        if (outcome) this.o.onOutcome(outcome);
      } else {
        const l = await this.o.labels.label(value);
        this.flush(this.join.addLabel(l.id, l.label, timestamp));
      }
    } catch (err) {
      this.skipped++;
      if (this.skipped === 1 || this.skipped % 1000 === 0)
        this.log.warn({ topic, skipped: this.skipped, err: (err as Error).message }, 'skipping an undecodable record');
    }
  }

  private flush(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) this.o.onOutcome(o);
  }
}
