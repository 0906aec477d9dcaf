import type { LabelJoinSummary, LoggedOutputs, Logger, OffsetRange, PartitionKey, RejectedRecord, StreamtrainConfig } from '../core/index.js';
import { ChunkBuilder, JoinRecordDecoder, type RecordSink } from '../consumers/index.js';
import { LabelJoin, labelJoinOptions, stateExcluding, type ExampleTrace, type JoinedExample, type LabelJoinState, type PauseSide } from '../labels/index.js';
import { outputUnits } from '../learner/index.js';

/** The partition key of joined examples in micro-batches: their offsets count the examples taken from the join. */
export const JOINED_TOPIC = 'streamtrain.joined';

type Side = 'features' | 'labels';

/** What /status shows of the join. */
export interface LabelsStatus {
  readonly featureTopic: string;
  readonly labelTopic: string;
  /** Effects handed over since the join's state began (restored counts included). */
  readonly counts: Readonly<Record<string, number>>;
  /** joined / (joined + defaulted + dropped), or null before the first decision. */
  readonly joinRate: number | null;
  readonly delayMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null };
  readonly pending: { readonly features: number; readonly labels: number; readonly decided: number };
  /** Replayed records skipped because their effect was in the restored state. */
  readonly skipped: number;
  /** The topic paused because the join is full, if any. */
  readonly paused: PauseSide | null;
}

/** A checkpoint's share of the join: the state as of the examples learned, and the offsets to commit. */
export interface JoinCut {
  readonly offsets: OffsetRange[];
  readonly state: LabelJoinState;
  readonly summary: LabelJoinSummary;
}

/**
 * The join of later labels (`input.labels`) inside the service. The source hands it every record of both topics
 * (`add`); after each fetched batch `flush` takes the join's decisions: examples go to the micro-batches as a chunk
 * of the JOINED_TOPIC (offsets count examples taken), dropped features and late labels to the dead-letter topic
 * (coordinates and reason). It is also the service's offset ledger (`apply`, `take`): a checkpoint's offsets are
 * the resume offsets of both topics, from the join state *as of the examples handed to the learner*
 * (`stateExcluding` the ones taken since), which is what the checkpoint's model learned.
 */
export class LabelFeed {
  readonly join: LabelJoin;
  readonly decoder: JoinRecordDecoder;
  readonly featureTopic: string;
  readonly labelTopic: string;
  /** Examples taken from the join and not yet handed to the learner, oldest first. */
  private readonly unlearned: ExampleTrace[] = [];
  private taken = 0n;
  private handed = 0n;
  /** `to` of the last cut, per topic-partition: the next cut's ranges start there. */
  private readonly cutAt = new Map<PartitionKey, string>();
  private handedSinceCut = false;
  /** Values per logged output row: the model's output units. */
  private readonly outputWidth: number;

  constructor(
    config: StreamtrainConfig,
    private readonly deadLetter: (r: RejectedRecord) => void,
    private readonly log: Logger,
    clock: () => number = Date.now,
  ) {
    const labels = config.input.labels;
    if (!labels) throw new TypeError('LabelFeed needs `input.labels`');
    this.featureTopic = config.kafka.topics[0] as string;
    this.labelTopic = labels.topic;
    this.join = new LabelJoin(labelJoinOptions(labels, this.featureTopic), clock);
    this.decoder = new JoinRecordDecoder({ input: config.input, label: { task: config.model.task, classes: config.model.classes } });
    this.outputWidth = outputUnits(config.model);
  }

  /** Starts from a checkpoint's join state and offsets (before anything is added). */
  restore(state: LabelJoinState | undefined, offsets: readonly OffsetRange[]): void {
    if (state) this.join.restore(state);
    for (const r of offsets) this.cutAt.set(`${r.topic}:${r.partition}`, r.to);
  }

  sideOf(topic: string): Side {
    return topic === this.featureTopic ? 'features' : 'labels';
  }

  /** Decodes a record and adds it to the join; an undecodable one goes to the dead-letter topic (its offset then counts as done). */
  async add(topic: string, partition: number, m: { readonly value: Buffer | null; readonly offset: string; readonly timestamp: string }): Promise<void> {
    const timestamp = Number(m.timestamp);
    const key: PartitionKey = `${topic}:${partition}`;
    // The first cut's range of a partition starts at the first offset read there.
    if (!this.cutAt.has(key)) this.cutAt.set(key, m.offset);
    const at = { topic, partition, offset: m.offset, timestamp };
    try {
      if (topic === this.featureTopic) {
        const f = await this.decoder.feature(m.value);
        this.join.addFeature({ id: f.id, row: f.row, timestamp, partition, offset: m.offset, ...(f.served ? { served: f.served } : {}) });
      } else {
        const l = await this.decoder.label(m.value);
        this.join.addLabel({ id: l.id, label: l.label, timestamp, partition, offset: m.offset });
      }
    } catch (err) {
      this.deadLetter(this.decoder.rejection(at, err));
    }
  }

  /** Takes the join's decisions: examples to `sink` (one chunk), dropped features and late labels to the dead-letter topic. */
  flush(sink: RecordSink): void {
    const out = this.join.take();
    for (const d of out.dropped) this.deadLetter({ kind: 'rejected', ...d, reason: 'no-label', message: 'no label came in time (onMissing: drop)' });
    for (const l of out.deadLetters) this.deadLetter({ kind: 'rejected', ...l, reason: l.reason, message: 'label came after its window' });
    if (out.examples.length === 0) return;
    const chunk = new ChunkBuilder(JOINED_TOPIC, 0, this.decoder.width, out.examples.length);
    for (const e of out.examples) {
      chunk.features.set(e.row, chunk.size * chunk.width);
      chunk.accept(e.label, (this.taken++).toString());
      this.unlearned.push({ feature: e.feature, ...(e.labelFrom ? { labelFrom: e.labelFrom } : {}), ...(e.defaulted ? { defaulted: e.defaulted } : {}) });
    }
    const logged = this.loggedOutputs(out.examples);
    sink.offer(logged ? { ...chunk.finish(), logged } : chunk.finish());
  }

  /**
   * The served outputs of examples from a prediction log, row by row (NaN rows: none logged, or not as many values
   * as the model's outputs); undefined when none of them has one. They go with the chunk to the learner host.
   */
  private loggedOutputs(examples: readonly JoinedExample[]): LoggedOutputs | undefined {
    if (!examples.some((e) => e.served)) return undefined;
    const width = this.outputWidth;
    const values = new Float32Array(examples.length * width).fill(Number.NaN);
    examples.forEach((e, i) => {
      if (e.served?.output.length === width) values.set(e.served.output, i * width);
    });
    return { width, values };
  }

  /** Ledger: the service hands a batch to the learner; its JOINED_TOPIC range counts the examples learned. */
  apply(offsets: ReadonlyMap<PartitionKey, { from: bigint; to: bigint }>): void {
    const r = offsets.get(`${JOINED_TOPIC}:0`);
    if (!r || r.to <= this.handed) return;
    this.unlearned.splice(0, Number(r.to - this.handed));
    this.handed = r.to;
    this.handedSinceCut = true;
  }

  /** Ledger: true when a checkpoint now would hold something new. */
  get moved(): boolean {
    if (this.handedSinceCut) return true;
    const state = this.join.state();
    return [...this.ranges(state)].some((r) => r.from !== r.to);
  }

  /** Ledger: the checkpoint's offsets; `lastCut` holds the join state that goes with them. */
  take(): OffsetRange[] {
    const state = stateExcluding(this.join.state(), this.unlearned);
    const offsets = [...this.ranges(state)];
    for (const r of offsets) this.cutAt.set(`${r.topic}:${r.partition}`, r.to);
    this.handedSinceCut = false;
    const delays = this.join.delays();
    this.lastCut = {
      offsets,
      state,
      summary: {
        featureTopic: this.featureTopic,
        labelTopic: this.labelTopic,
        features: state.features,
        labels: state.labels,
        counts: { ...state.counters },
        delayMs: { count: delays.count, p50: delays.p50 ?? null, p99: delays.p99 ?? null },
      },
    };
    this.log.debug({ unlearned: this.unlearned.length, offsets }, 'join cut');
    return offsets;
  }

  /** The join state and summary of the last `take()`. */
  lastCut?: JoinCut;

  status(): LabelsStatus {
    const c = this.join.counts;
    const decided = c.joined + c.defaulted + c.dropped;
    const d = this.join.delays();
    return {
      featureTopic: this.featureTopic,
      labelTopic: this.labelTopic,
      counts: { ...c },
      joinRate: decided > 0 ? c.joined / decided : null,
      delayMs: { count: d.count, p50: d.p50 ?? null, p99: d.p99 ?? null },
      pending: this.join.pending,
      skipped: this.join.skipped,
      paused: this.join.pause ?? null,
    };
  }

  /** Per partition of both topics: from the last cut's resume offset to this state's. */
  private *ranges(state: LabelJoinState): Generator<OffsetRange> {
    for (const [topic, trackers] of [
      [this.featureTopic, state.features],
      [this.labelTopic, state.labels],
    ] as const) {
      for (const [p, t] of Object.entries(trackers).sort(([a], [b]) => Number(a) - Number(b))) {
        const to = t.resume;
        const from = this.cutAt.get(`${topic}:${Number(p)}`) ?? to;
        yield { topic, partition: Number(p), from, to };
      }
    }
  }
}
