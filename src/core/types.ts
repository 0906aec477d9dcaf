/**
 * Shared shapes of the data that crosses stage boundaries. Kafka offsets are int64: they travel as decimal
 * strings, as kafkajs hands them over, and are compared with BigInt.
 */

/** `topic:partition`, the key of every per-partition map. */
export type PartitionKey = `${string}:${number}`;

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}:${partition}`;
}

export function parsePartitionKey(key: PartitionKey): { topic: string; partition: number } {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** The offsets one checkpoint covers on one partition: `from` inclusive, `to` exclusive (the next offset to read). */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

/** A decoded, validated training example. Lives in memory only until its micro-batch is learned. */
export interface Example {
  readonly features: Float32Array;
  /** Class index for classifiers, target value for regression. */
  readonly label: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka record timestamp (ms since epoch). */
  readonly timestamp: number;
}

/** A record refused before it reached the model: where it was and why. Goes to the dead-letter topic. */
export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly reason: string;
  readonly message: string;
  /** Only set when the user opted in to dead-letter payloads. */
  readonly payload?: Buffer;
}

/** What the consumer hands the pipeline for each Kafka record: an example, or a rejection to dead-letter. */
export type ConsumedRecord = { readonly kind: 'example'; readonly example: Example } | RejectedRecord;

/**
 * A run of consecutive records of one partition, decoded by the consumer straight into row-major buffers (no
 * object per record on the hot path). Examples are rows; rejected records travel alongside for the dead-letter
 * topic. The chunk covers the offsets [`from`, `to`) of its partition, rejected records included.
 */
export interface RecordChunk {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
  /** Examples (rows). */
  readonly size: number;
  readonly width: number;
  /** size * width values, row-major. */
  readonly features: Float32Array;
  readonly labels: Float32Array;
  /** Kafka offset of each row, as kafkajs delivered it. */
  readonly offsets: readonly string[];
  /** In offset order. */
  readonly rejected: readonly RejectedRecord[];
  /** Examples plus rejected records: what the backpressure buffer counts. */
  readonly records: number;
  /** With a prediction log: the logged outputs, `size * outputWidth` values row-major; NaN rows are unknown. */
  readonly logged?: LoggedOutputs;
}

/** The outputs a prediction log says were served for a chunk's or a batch's rows (see LoggedPrediction). */
export interface LoggedOutputs {
  /** Values per row: the model's output units (1 for binary and regression, the classes for multi-class). */
  readonly width: number;
  /** Row-major; a row whose first value is NaN has no usable logged output (not scored). */
  readonly values: Float32Array;
}

/**
 * A micro-batch, packed row-major. `offsets` holds, per partition, the range of offsets whose records are in this
 * batch *including rejected ones*, so that consecutive batches' ranges tile the partition with no gap.
 */
export interface Batch {
  readonly size: number;
  readonly features: Float32Array;
  readonly labels: Float32Array;
  readonly width: number;
  readonly offsets: ReadonlyMap<PartitionKey, { from: bigint; to: bigint }>;
  /** With a prediction log: what was served for each row. */
  readonly logged?: LoggedOutputs;
}

export type MetricValues = Record<string, number>;

/** Why a version was published. */
export type TriggerReason =
  | 'initial'
  | 'samples'
  | 'interval'
  | 'volume-ratio'
  | 'performance'
  | 'drift'
  | 'challenger'
  | 'pool-switch'
  | 'rollout'
  | 'guard'
  | 'shutdown'
  | 'manual'
  | 'rebalance'
  | 'eviction'
  | 'retrain';

export interface Trigger {
  readonly reason: TriggerReason;
  /** Human-readable detail, e.g. "adwin on error stream" or "accuracy 0.61 < 0.7". */
  readonly detail?: string;
}

/** `major.minor`: a new model (or a promoted challenger) starts a new major, each stateful publication bumps the minor. */
export interface ModelVersion {
  readonly major: number;
  readonly minor: number;
}

export function formatVersion(v: ModelVersion): string {
  return `${v.major}.${v.minor}`;
}

export function parseVersion(text: string): ModelVersion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function compareVersions(a: ModelVersion, b: ModelVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** One named tensor in a binary blob. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly byteOffset: number;
  readonly byteLength: number;
}

/**
 * A model's full trainable state, detached from any tensor library: what the learner hands to checkpoints, and
 * what checkpoints hand back. `topology` is the tfjs LayersModel JSON; `weightSpecs` follow the tfjs model.json
 * convention so any tfjs loader can read `weights.bin`.
 */
export interface ModelSnapshot {
  readonly topology: unknown;
  readonly weightSpecs: readonly { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
  readonly weightData: ArrayBuffer;
  /** Optimizer slots in applyGradients order, plus anything else the learner needs to continue exactly. */
  readonly optimizer: { readonly className: string; readonly config: unknown; readonly tensors: readonly TensorSpec[]; readonly data: ArrayBuffer };
  /**
   * The learner's own state (its `LearnerState`: weight averages, trained weights, selector, standardizer), JSON;
   * kept in state.bin. Absent in snapshots written before it existed, which kept it inside `optimizer`.
   */
  readonly learner?: unknown;
}

/** The manifest of a checkpoint: what it is, where it came from, what it has seen. */
export interface Manifest {
  readonly formatVersion: 1;
  readonly model: string;
  readonly version: string;
  /** Parent versions: one for a stateful update, two when a challenger replaced its champion, none for 1.0. */
  readonly parents: readonly string[];
  readonly createdAt: string;
  readonly trigger: Trigger;
  readonly samples: { readonly total: number; readonly sinceParent: number };
  /** Per partition: offsets consumed since the parent (`from` inclusive, `to` exclusive). */
  readonly offsets: readonly OffsetRange[];
  readonly metrics: MetricValues;
  /** Serialized detector and monitor state (no raw values), restored on start. */
  readonly drift: unknown;
  /** Hex sha256 of every blob, by file name. */
  readonly hashes: Readonly<Record<string, string>>;
  readonly streamtrainVersion: string;
  readonly backend: string;
  readonly modelSpec: unknown;
  /** The epoch of the writer that created this version (see LATEST); absent in versions written before epochs. */
  readonly epoch?: number;
  /** The instance that wrote it (host, pid, random suffix). */
  readonly writer?: string;
  /** With `model.partitionBy`: the key whose model this is (`model` is then its store prefix, see keyModelName). */
  readonly key?: string;
  /** A major made by `streamtrain retrain`: what was replayed and what it raced (parents name the versions). */
  readonly retrain?: RetrainLineage;
  /** With `input.labels`: the join of later labels as of this version (its full state is in state.bin). */
  readonly labels?: LabelJoinSummary;
}

/** Where one partition of a joined topic stands: the resume offset and the done ranges above it (`[from, to)`). */
export interface JoinPartitionOffsets {
  readonly resume: string;
  readonly done: readonly (readonly [string, string])[];
}

/**
 * The label join (`input.labels`) as of a version: for both topics, per partition, the resume offset (where a
 * restart reads again; `offsets` holds the same as `to`) and the done offsets above it; the counts of effects and
 * the label delay. Never an id, a row or a label.
 */
export interface LabelJoinSummary {
  readonly featureTopic: string;
  readonly labelTopic: string;
  readonly features: Readonly<Record<string, JoinPartitionOffsets>>;
  readonly labels: Readonly<Record<string, JoinPartitionOffsets>>;
  /** joined, defaulted, dropped, evicted, late, duplicates, orphaned. */
  readonly counts: Readonly<Record<string, number>>;
  /** Label delay (label timestamp - feature timestamp) of the joined examples, ms. */
  readonly delayMs: { readonly count: number; readonly p50: number | null; readonly p99: number | null };
}

/**
 * How a retrained major came to be: trained from scratch on `replayed` (read again from Kafka, nothing copied),
 * then raced against the published live versions on `raced`, and promoted on the race's result.
 */
export interface RetrainLineage {
  /** Where the replay started: `earliest` (the oldest offset Kafka retained) or the ISO time given. */
  readonly from: string;
  /** Per partition, `[from, to)` trained from scratch, up to where the live model stood when the retrain began. */
  readonly replayed: readonly OffsetRange[];
  /** Per partition, `[from, to)` on which the candidate and the live model were scored side by side (and the candidate learned). */
  readonly raced: readonly OffsetRange[];
  /** The live versions scored in the race, oldest first (each only once the race had passed its offsets). */
  readonly racedVersions: readonly string[];
  /** The live version whose offsets end where the replay began (the lineage's state at the replay's start); null when none is left in the store. */
  readonly replayParent: string | null;
  /** The paired test's last look: pairs in its window, the candidate's lead, the p-value and the level it had to beat. */
  readonly race: { readonly samples: number; readonly n: number; readonly lead: number; readonly pValue: number; readonly alpha: number };
}

/** The model-version event published after a checkpoint is durable. Schema: schemas/model-version.avsc. */
export interface VersionEvent {
  readonly model: string;
  readonly version: string;
  readonly parents: readonly string[];
  readonly uri: string;
  readonly createdAt: string;
  readonly samplesTotal: number;
  readonly samplesSinceParent: number;
  readonly metrics: MetricValues;
  readonly offsets: readonly OffsetRange[];
  readonly trigger: string;
  readonly triggerDetail: string | null;
  /** With `model.partitionBy`: the key whose model this is. */
  readonly key?: string;
}

/**
 * One prediction a serving replica made, as logged for a later join with its label. Schema:
 * schemas/prediction.avsc; Kafka key = `requestId`.
 */
export interface PredictionEvent {
  /** The caller's id of the request; the labels for it carry the same id. */
  readonly requestId: string;
  /** The entity the request is about, when the caller gave one. */
  readonly key?: string;
  readonly model: string;
  /** With `model.partitionBy`: the key whose model served. */
  readonly modelKey?: string;
  /** major.minor of the version that served. */
  readonly version: string;
  /** When it was served, ms since the epoch. */
  readonly servedAt: number;
  /** The model's output row (float32): probabilities, or the value for regression. */
  readonly output: Float32Array;
  /** Classification: the class index predicted. */
  readonly predictedClass?: number;
  /** The input vector as the model consumed it; present only when the subscriber logs features (opt-in). */
  readonly features?: Float32Array;
  /** How long the served version's prediction took, in microseconds. */
  readonly latencyUs?: number;
  /** A rollout candidate chosen for this request that failed (error or non-finite output); the champion served. */
  readonly fallbackFrom?: string;
  /** Under a shadow rollout: what each candidate predicted for the same request (not served). */
  readonly shadow?: readonly ShadowPrediction[];
  /** Under an interleave rollout: the ranking served and which version contributed each position. */
  readonly interleave?: Interleaving;
}

export interface ShadowPrediction {
  readonly version: string;
  readonly output: Float32Array;
  readonly predictedClass?: number;
  /** How long its prediction took, in microseconds. */
  readonly latencyUs?: number;
}

export interface Interleaving {
  /** versions[0] the champion, versions[1] the candidate. */
  readonly versions: readonly string[];
  /** The served ranking: indices into the request's items, best first. */
  readonly items: readonly number[];
  /** For each position of the served ranking, the index in `versions` of the ranking that contributed it. */
  readonly teams: readonly number[];
}

/**
 * What a prediction log says was served for one request (`input.format: prediction-log`): the version that served
 * and its output row. It travels with the joined example to the learner host, which scores it against the label
 * (`logged_*` metrics); it is never written anywhere.
 */
export interface LoggedPrediction {
  readonly version: string;
  readonly output: Float32Array;
}

/** A drift event on the drift topic. Schema: schemas/drift-event.avsc. */
export interface DriftEvent {
  readonly model: string;
  readonly version: string;
  readonly detector: string;
  readonly signal: string;
  readonly at: string;
  readonly samples: number;
  readonly scores: Record<string, number>;
  readonly offsets: readonly OffsetRange[];
  readonly response: string;
}
