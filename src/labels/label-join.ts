import { ConfigError } from '../core/index.js';
import { DelaySketch } from './delay-sketch.js';
import type {
  FeatureRecord,
  JoinCounters,
  JoinOutput,
  LabelJoinOptions,
  LabelJoinState,
  LabelRecord,
  MissingReason,
  PauseSide,
  RecordCoordinates,
  UnusedLabelReason,
} from './join-types.js';
import { parseOffset } from './offset.js';
import { OffsetTracker, type OffsetTrackerState } from './offset-tracker.js';
import { IdIndex } from './id-index.js';
import { entry, WaitingSet, type Entry } from './waiting-set.js';
import { Watermark } from './watermark.js';

type FeatureEntry = Entry<FeatureRecord>;
type LabelEntry = Entry<LabelRecord>;

/** A decision not handed over yet: its records become done, and count, at `take()`. */
type Effect =
  | { readonly kind: 'joined'; readonly feature: FeatureEntry; readonly label: LabelEntry }
  | { readonly kind: 'missing'; readonly feature: FeatureEntry; readonly reason: MissingReason }
  | { readonly kind: 'unused'; readonly label: LabelEntry; readonly reason: UnusedLabelReason; readonly evicted: boolean };

type Side = 'features' | 'labels';

/** A paused side is resumed once the waiting records fall to this fraction of `maxPending`. */
const RESUME_FRACTION = 0.9;

function emptyCounters(): JoinCounters {
  return { joined: 0, defaulted: 0, dropped: 0, evicted: 0, late: 0, duplicates: 0, orphaned: 0 };
}

/**
 * Joins feature records (what was served) with label records (the outcome, arriving later or never) by id, in
 * memory, bounded, deterministic under replay. docs/labels.md gives the semantics; in short:
 *
 * - A label matches a waiting feature of its id when their timestamps differ by at most `maxDelayMs`; a feature
 *   takes the first matching label in arrival order, and a label joins one feature.
 * - A feature with no label waits until the labels' watermark passes `timestamp + maxDelayMs`, then gets
 *   `defaultLabel` or is dropped (`onMissing`); a label with no feature waits until the features' watermark passes
 *   `timestamp + maxDelayMs`, then is orphaned. Watermarks: {@link Watermark}.
 * - A label for an id that joined already is a duplicate; one for an id that expired, or outside the window of the
 *   waiting feature of its id, is late. Both are done at once.
 * - At most `maxPending` records wait: one more first expires the oldest record of the side holding more (`full`).
 *
 * Decisions wait in an outbox; `take()` hands them over and only then marks their records done on the
 * {@link OffsetTracker}s, so `state()` holds exactly the effects handed over. After `restore(state)`, a record
 * re-read from the resume offsets is skipped when done and joined again otherwise.
 */
export class LabelJoin {
  private readonly features = new WaitingSet<FeatureRecord>('features');
  private readonly labels = new WaitingSet<LabelRecord>('labels');
  private readonly trackers: Record<Side, Map<number, OffsetTracker>> = { features: new Map(), labels: new Map() };
  private readonly watermarks: Record<Side, Watermark>;
  /** Ids with records waiting or a recent outcome (which tells a duplicate or late label from an orphan). */
  private readonly ids: IdIndex;
  private outbox: Effect[] = [];
  private counters = emptyCounters();
  private skippedCount = 0;
  private sketch = new DelaySketch();
  private pausing: PauseSide | undefined;
  private readonly defaultLabel: number;
  /** A waiting record matches one stamped `timestamp` when their timestamps differ by at most `maxDelayMs`. */
  private readonly matches: (waiting: FeatureRecord | LabelRecord, timestamp: number) => boolean;

  constructor(
    private readonly options: LabelJoinOptions,
    private readonly clock: () => number = Date.now,
  ) {
    const { maxDelayMs, maxPending, idleGraceMs } = options;
    if (!(maxDelayMs >= 0)) throw new ConfigError('maxDelayMs', `Expected \`maxDelayMs\` to be a number >= 0, got \`${maxDelayMs}\``);
    if (!Number.isInteger(maxPending) || maxPending < 1)
      throw new ConfigError('maxPending', `Expected \`maxPending\` to be an integer >= 1, got \`${maxPending}\``);
    if (!(idleGraceMs >= 0)) throw new ConfigError('idleGraceMs', `Expected \`idleGraceMs\` to be a number >= 0, got \`${idleGraceMs}\``);
    this.defaultLabel = options.defaultLabel ?? 0;
    this.watermarks = { features: new Watermark(idleGraceMs), labels: new Watermark(idleGraceMs) };
    this.ids = new IdIndex(maxPending);
    this.matches = (waiting, timestamp) => Math.abs(timestamp - waiting.timestamp) <= maxDelayMs;
  }

  /** Declares a topic's partitions: until each has a record (or is caught up), that topic's watermark stays back. */
  assign(side: Side, partitions: readonly number[]): void {
    this.watermarks[side].assign(partitions);
  }

  /** The pipeline's report that a partition has no lag (true) or has some again (false); then expires what it can. */
  setCaughtUp(side: Side, partition: number, caughtUp: boolean): void {
    this.watermarks[side].setCaughtUp(partition, caughtUp);
    this.expire();
  }

  /** Adds a feature record; false when it is a replayed record whose effect is already in the state (skipped). */
  addFeature(record: FeatureRecord): boolean {
    const feature = this.receive('features', record);
    if (!feature) return false;
    const slot = feature.slot;
    const label = this.labels.hasId(slot) ? this.labels.firstOfId(slot, this.matches, record.timestamp) : undefined;
    if (label) {
      this.labels.remove(label);
      this.join(feature, label);
    } else {
      this.makeRoom();
      this.features.add(feature);
    }
    this.expire();
    this.ids.release();
    return true;
  }

  /** Adds a label record; false when it is a replayed record whose effect is already in the state (skipped). */
  addLabel(record: LabelRecord): boolean {
    const label = this.receive('labels', record);
    if (!label) return false;
    const slot = label.slot;
    const waiting = this.features.hasId(slot);
    const feature = waiting ? this.features.firstOfId(slot, this.matches, record.timestamp) : undefined;
    const before = feature ? undefined : this.ids.outcome(slot);
    if (feature) {
      this.features.remove(feature);
      this.join(feature, label);
    } else if (waiting || before === 'expired') this.outbox.push({ kind: 'unused', label, reason: 'late', evicted: false });
    else if (before === 'joined') this.outbox.push({ kind: 'unused', label, reason: 'duplicate', evicted: false });
    else {
      this.makeRoom();
      this.labels.add(label);
    }
    this.expire();
    this.ids.release();
    return true;
  }

  /** Expires what the watermarks allow at the clock's time; call it periodically, e.g. on each fetch or a timer. */
  advance(): void {
    this.expire();
  }

  /** Hands over the decisions made since the last call; their records are done from now on, and counted. */
  take(): JoinOutput {
    const out: JoinOutput = { examples: [], deadLetters: [], dropped: [] };
    const effects = this.outbox;
    this.outbox = [];
    for (const e of effects) {
      if (e.kind === 'joined') {
        const f = e.feature.record;
        const l = e.label.record;
        this.done(e.feature);
        this.done(e.label);
        this.counters.joined++;
        this.sketch.add(l.timestamp - f.timestamp);
        const labelFrom = this.coordinates(this.options.labelTopic, l);
        const served = f.served ? { served: f.served } : {};
        out.examples.push({ row: f.row, label: l.label, feature: this.coordinates(this.options.featureTopic, f), labelFrom, ...served });
      } else if (e.kind === 'missing') {
        const f = e.feature.record;
        this.done(e.feature);
        if (e.reason === 'full') this.counters.evicted++;
        const feature = this.coordinates(this.options.featureTopic, f);
        if (this.options.onMissing === 'drop') {
          this.counters.dropped++;
          out.dropped.push(feature);
        } else {
          this.counters.defaulted++;
          const served = f.served ? { served: f.served } : {};
          out.examples.push({ row: f.row, label: this.defaultLabel, feature, defaulted: e.reason, ...served });
        }
      } else {
        this.done(e.label);
        if (e.evicted) this.counters.evicted++;
        this.counters[e.reason === 'duplicate' ? 'duplicates' : e.reason]++;
        if (e.reason === 'late' && this.options.reportLate)
          out.deadLetters.push({ ...this.coordinates(this.options.labelTopic, e.label.record), reason: 'late' });
      }
    }
    return out;
  }

  /** True when `maxPending` records wait: one more expires the oldest of the side holding more. */
  get full(): boolean {
    return this.features.size + this.labels.size >= this.options.maxPending;
  }

  /**
   * The topic the pipeline should pause, if any: once full, the side holding more waiting records, while reading
   * the other side can still resolve them (it has lag); cleared when the waiting records fall to 90% of
   * `maxPending`. When the other side is caught up, pausing cannot help: the join expires its oldest instead.
   */
  get pause(): PauseSide | undefined {
    const waiting = this.features.size + this.labels.size;
    if (this.pausing === undefined && this.full) this.pausing = this.features.size >= this.labels.size ? 'features' : 'labels';
    else if (this.pausing !== undefined && waiting <= Math.floor(this.options.maxPending * RESUME_FRACTION)) this.pausing = undefined;
    if (this.pausing === undefined) return undefined;
    return this.watermarks[this.pausing === 'features' ? 'labels' : 'features'].allCaughtUp ? undefined : this.pausing;
  }

  /** Records waiting for a partner on each side, and decisions not taken yet. */
  get pending(): { readonly features: number; readonly labels: number; readonly decided: number } {
    return { features: this.features.size, labels: this.labels.size, decided: this.outbox.length };
  }

  /** Counters of the effects handed over, since the state began. */
  get counts(): Readonly<JoinCounters> {
    return { ...this.counters };
  }

  /** Replayed records this process skipped because their effect was already in the restored state. */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Label delay (label timestamp - feature timestamp, ms) of joined examples: median and 99th percentile. */
  delays(): { readonly count: number; readonly p50: number | undefined; readonly p99: number | undefined } {
    return { count: this.sketch.count, p50: this.sketch.quantile(0.5), p99: this.sketch.quantile(0.99) };
  }

  /** Where to resume reading each partition after a restore: the lowest offset whose effect is not in the state. */
  resumeOffsets(side: Side): Map<number, string> {
    const out = new Map<number, string>();
    for (const [p, t] of this.trackers[side]) if (t.resumeOffset !== undefined) out.set(p, t.resumeOffset.toString());
    return out;
  }

  /** Offsets of both topics, counters and delay sketch: the effects handed over by `take()`, no record content. */
  state(): LabelJoinState {
    const side = (s: Side) => {
      const out: Record<string, OffsetTrackerState> = {};
      for (const [p, t] of this.trackers[s]) {
        const state = t.state();
        if (state) out[String(p)] = state;
      }
      return out;
    };
    return { format: 1, features: side('features'), labels: side('labels'), counters: { ...this.counters }, delays: this.sketch.state() };
  }

  /** Starts a fresh join from a state; records re-read from `resumeOffsets()` on are then skipped or joined again. */
  restore(state: LabelJoinState): void {
    if (this.trackers.features.size + this.trackers.labels.size > 0) throw new RangeError('restore() needs a join that has received nothing');
    for (const s of ['features', 'labels'] as const) for (const [p, t] of Object.entries(state[s])) this.trackers[s].set(Number(p), new OffsetTracker(t));
    this.counters = { ...emptyCounters(), ...state.counters };
    this.sketch = new DelaySketch(state.delays);
  }

  /** Marks a record received: its entry, or undefined (and counted) when its effect is already in the state. */
  private receive(side: 'features', record: FeatureRecord): FeatureEntry | undefined;
  private receive(side: 'labels', record: LabelRecord): LabelEntry | undefined;
  private receive(side: Side, record: FeatureRecord | LabelRecord): Entry<FeatureRecord | LabelRecord> | undefined {
    const trackers = this.trackers[side];
    let tracker = trackers.get(record.partition);
    if (!tracker) trackers.set(record.partition, (tracker = new OffsetTracker()));
    const offset = parseOffset(record.offset);
    const end = tracker.end;
    // A record below the tracker's end was read before (or restored): done, or maybe waiting already.
    if (end !== undefined && offset < end) {
      const waiting: WaitingSet<FeatureRecord> | WaitingSet<LabelRecord> = side === 'features' ? this.features : this.labels;
      if (tracker.isDone(offset) || waiting.has(record.partition, offset)) {
        this.skippedCount++;
        return undefined;
      }
    }
    tracker.receive(offset);
    this.watermarks[side].observe(record.partition, record.timestamp);
    return entry<FeatureRecord | LabelRecord>(record, offset, tracker, this.ids.slot(record.id));
  }

  private join(feature: FeatureEntry, label: LabelEntry): void {
    this.ids.remember(feature.slot, 'joined');
    this.outbox.push({ kind: 'joined', feature, label });
  }

  private expireFeature(feature: FeatureEntry, reason: MissingReason): void {
    this.ids.remember(feature.slot, 'expired');
    this.outbox.push({ kind: 'missing', feature, reason });
  }

  /** A label that left the waiting set unused; its id's slot is dropped if nothing else holds it. */
  private expireLabel(label: LabelEntry, evicted: boolean): void {
    const before = this.ids.outcome(label.slot);
    const reason = before === 'joined' ? 'duplicate' : before === 'expired' ? 'late' : 'orphaned';
    this.outbox.push({ kind: 'unused', label, reason: evicted ? 'orphaned' : reason, evicted });
    this.ids.settle(label.slot);
  }

  /** Expires features whose window the labels' watermark passed, then labels whose window the features' did. */
  private expire(): void {
    const now = this.clock();
    const { maxDelayMs } = this.options;
    if (this.features.size > 0) {
      const labels = this.watermarks.labels;
      const expired = this.features.takeExpired(maxDelayMs, labels.at(now));
      if (expired.length > 0) {
        const fromRecords = labels.fromRecords();
        for (const f of expired) this.expireFeature(f, f.record.timestamp + maxDelayMs < fromRecords ? 'watermark' : 'idle');
      }
    }
    if (this.labels.size > 0) for (const l of this.labels.takeExpired(maxDelayMs, this.watermarks.features.at(now))) this.expireLabel(l, false);
  }

  /** Before one more record waits: at `maxPending`, expires the oldest waiting record of the side holding more. */
  private makeRoom(): void {
    if (!this.full) return;
    if (this.features.size >= this.labels.size) {
      const f = this.features.oldest() as FeatureEntry;
      this.features.remove(f);
      this.expireFeature(f, 'full');
    } else {
      const l = this.labels.oldest() as LabelEntry;
      this.labels.remove(l);
      this.expireLabel(l, true);
    }
  }

  private done(e: Entry<FeatureRecord | LabelRecord>): void {
    e.tracker.markDone(e.offset);
  }

  private coordinates(topic: string, r: FeatureRecord | LabelRecord): RecordCoordinates {
    return { topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp };
  }
}
