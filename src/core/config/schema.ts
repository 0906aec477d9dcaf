/**
 * The shape of a validated streamtrain configuration. Every field has its default in `DEFAULTS`
 * (see defaults.ts); parse.ts turns an untrusted YAML/JSON tree plus the environment into this.
 */

export type ModelType = 'logistic' | 'softmax' | 'mlp' | 'linear' | 'custom';
export type OptimizerType = 'sgd' | 'momentum' | 'adam' | 'adagrad' | 'rmsprop';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface OptimizerConfig {
  /** @default 'adam' */
  readonly type: OptimizerType;
  /** @default 0.01 */
  readonly learningRate: number;
  /** Gradients whose global norm exceeds this are scaled down to it; guards against exploding updates. @default 10 */
  readonly clipNorm: number;
}

export interface ModelConfig {
  /** Name of the model: prefix in the store, key of its version events. Letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  /** @default 'logistic' */
  readonly type: ModelType;
  /** Hidden layer sizes for `mlp`. @default [64] */
  readonly hiddenUnits: readonly number[];
  /** Number of classes for `softmax` (and `mlp` classifiers). @default 2 */
  readonly classes: number;
  /** `classification` or `regression`, derived from `type` unless `custom`. */
  readonly task: 'classification' | 'regression';
  /** Path of a tfjs LayersModel `model.json` for `custom`. */
  readonly modelPath?: string;
  readonly optimizer: OptimizerConfig;
  /** L2 penalty on kernels. @default 0 */
  readonly l2: number;
  /** Seed of the weight initializers, so that two runs on the same stream give the same model. @default 42 */
  readonly seed: number;
  /**
   * Online standardization of the inputs: each feature is centred and scaled by its running mean and standard
   * deviation over every sample seen (Welford; the statistics, never the values, go into the checkpoint), as
   * River's StandardScaler does. Each batch updates the statistics before it is scored and learned (its features,
   * never its labels). Linear models need it when features have very different scales: gradient steps then grow
   * the weights of small-valued features slowly. Published versions fold the scaling into the first layer's
   * weights, so a downstream service feeds raw features to the standard `model.json`. Built-in models only.
   * Nothing of the first 30 rows leaves the process (the mean of one row is that row): until then inputs map to 0,
   * checkpoints keep no statistics and published weights carry no scaling.
   * @default false
   */
  readonly standardize?: boolean;
  /**
   * Weight averaging. The model that predicts (the test half of test-then-train, the weights every version
   * publishes) is an exponential moving average of the trained weights over about `horizon` samples; training
   * goes on from the trained weights, which the checkpoint keeps too, so a restart continues exactly. A
   * constant-step optimizer never settles: its weights jitter around the optimum by about the step size, and the
   * average smooths that jitter out at the price of lagging about `horizon` samples behind a change.
   */
  readonly averaging: {
    /**
     * Samples the average reaches back (each sample discounts the past by 1 - 1/horizon); 0 turns averaging off
     * (the trained weights predict). Chosen on development streams from the project's generators, never on the
     * benchmark's (studies/dev-responses.ts, studies/results/dev-responses.json): mean accuracy over
     * four streams 0.8916 at 1,000 against 0.8819 without averaging (300: 0.8904, 3,000: 0.8883). With a step per
     * micro-batch larger than the horizon the average is close to the last trained weights. @default 1000
     */
    readonly horizon: number;
    /**
     * Samples the trained weights predict alone, for a new model and after each restart (below), before averaging
     * starts over: an average of the iterates right after a change would still be mostly the old concept's.
     * Chosen on six development streams (studies/dev-responses.ts, parts holdoff-length and holdoff-short)
     * at horizon 1,000: mean accuracy 0.8839 with 60, against 0.8830 with 0 (no hold-off), 0.8825 with 125, 0.8824
     * with 250, 0.8806 with 500 and 0.8807 with 1,000 (the first design value, the horizon); with adapt +
     * challenger, 0.8832 with 60 against 0.8819 with 250. Other horizons scale it (measured at 1,000 only).
     * @default 6% of the horizon, rounded (60 at the default horizon)
     */
    readonly holdoff?: number;
    /**
     * The hold-off of a new model (one that starts from scratch: the service's first start, a challenger): samples
     * its trained weights predict alone before averaging starts. A model from scratch improves fast at first, and
     * an average that mixes in its first iterates can be worse than the newest ones, which an error detector may
     * take for a drift. Measured on the six development streams (part warmup): 250 and 1,000 gained nothing over
     * the hold-off's 60 (mean 0.8836, 0.8829, 0.8836 with and without responses). @default `holdoff`
     */
    readonly warmup?: number;
    /**
     * When a detector sees the error rise (whatever `drift.responses` says), restart the average: the trained
     * weights predict alone for `holdoff` samples, then averaging starts over, so the model that predicts does not
     * lag behind the change. The drift event says so (`average_restarted` in its scores). A rise detected while
     * that hold-off runs does not extend it. Chosen on six development streams (two with a detection every 1,000
     * to 2,000 samples): mean accuracy 0.8807, against 0.8794 when every rise extends the hold-off and 0.8764
     * without the restart; re-decided with `select` on nine streams: 0.8903 against 0.8888 without. @default true
     */
    readonly restartOnDrift: boolean;
    /**
     * Restart the average (as above) when it lags: the trained weights are scored on every batch too, and at
     * the end of each block of horizon / 2 samples a paired test on that block (the race's test,
     * `drift.challenger.test`: batch means by default, or McNemar / a paired t-test on |error|; alpha 0.01) asks
     * whether they predicted better than the average. Unlike `restartOnDrift` it needs no detector and ignores
     * rises in error the average does not cause (noise bursts). Costs one more forward pass per batch. The event
     * `average-restarted` records the test. The block in progress is checkpointed with the drift state, so a
     * restart of the service continues it. Off by default (decided with McNemar's test): on
     * the six development streams, both restarts together gave a mean accuracy of 0.8813 against 0.8807 for
     * `restartOnDrift` alone (a tie under the rule fixed before the run) and 0.8786 for this one alone, which
     * restarts later than a detector at a real change. @default false
     */
    readonly restartOnLag: boolean;
    /**
     * Keep a second, shorter average (horizon x 0.3) next to the first, and let whichever of the three weight sets
     * (the average, the shorter one, the trained weights) made the fewest errors over the last horizon / 2 samples
     * predict and be published; ties go to the longer average. All three are scored on every batch (two more
     * forward passes). How fast a stream changes decides which averaging pays; this lets the stream say it.
     * Decided on the nine development streams (studies/dev-responses.ts part 19, rule fixed before the
     * run): 0.8903 against 0.8891 without it, mostly on the stream redrawn every 1,000 samples (0.8805 against
     * 0.8754); no stream lost more than 0.0011. The metric `average_horizon_selected` says which predicts.
     * @default true
     */
    readonly select?: boolean;
  };
}

export interface KafkaConfig {
  /** Env: KAFKA_BROKERS (comma separated). @default ['127.0.0.1:9092'] */
  readonly brokers: readonly string[];
  /** @default 'streamtrain' */
  readonly clientId: string;
  /** @default 'streamtrain-<model.name>' */
  readonly groupId: string;
  /** Source topics. */
  readonly topics: readonly string[];
  /** Where to start on a partition that no checkpoint covers. @default true */
  readonly fromBeginning: boolean;
  /** @default 30000 */
  readonly sessionTimeoutMs: number;
  /** @default 3000 */
  readonly heartbeatIntervalMs: number;
  /** SASL/PLAIN or SCRAM; username and password from env KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD. */
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** @default false */
  readonly ssl: boolean;
}

export type FeatureSpec =
  | { readonly field: string; readonly type: 'numeric'; readonly scale?: { readonly mean: number; readonly std: number } }
  | { readonly field: string; readonly type: 'categorical'; readonly encoding: 'one-hot'; readonly values: readonly string[] }
  | { readonly field: string; readonly type: 'categorical'; readonly encoding: 'hash'; readonly buckets: number }
  /** A fixed-length numeric array field, e.g. an embedding; another length is a `wrong-size` record. */
  | { readonly field: string; readonly type: 'vector'; readonly size: number };

export interface InputConfig {
  /** @default 'json' */
  readonly format: 'json' | 'avro';
  /** Avro writer schema file (`.avsc`) when no registry is configured. */
  readonly avroSchemaFile?: string;
  /** Confluent Schema Registry URL (env SCHEMA_REGISTRY_URL): records carry the wire-format header. */
  readonly schemaRegistryUrl?: string;
  readonly features: readonly FeatureSpec[];
  /** Label field. For classifiers: class index (number), boolean, or one of `classes`. */
  readonly label: { readonly field: string; readonly classes?: readonly string[] };
  /** What to do with a missing or null numeric feature: `reject` (dead-letter) or `zero`. @default 'reject' */
  readonly missing: 'reject' | 'zero';
}

export interface DeadLetterConfig {
  /** @default 'streamtrain.dead-letter' */
  readonly topic: string;
  /** Copy the raw record into the dead-letter entry. Off by default: raw data leaves memory only on opt-in. @default false */
  readonly includePayload: boolean;
}

export interface BatchConfig {
  /** Records per micro-batch at most. @default 256 */
  readonly size: number;
  /** A partial batch is learned after this long. @default 1000 */
  readonly maxWaitMs: number;
  /** Records decoded but not yet learned, at most; the consumer pauses above it. @default 8 * size */
  readonly maxBuffered: number;
}

export interface LearnerConfig {
  /** @default 'auto' (tfjs-node when installed, else wasm, else cpu) */
  readonly backend: BackendChoice;
  /** Window of the sliding live metrics, in samples. @default 1000 */
  readonly metricsWindow: number;
  /**
   * Samples per gradient step. A micro-batch is always scored whole first (test-then-train); with a smaller value
   * it is then learned in several steps, each sample still exactly once. 0 = one step per micro-batch. @default 0
   */
  readonly updateBatchSize: number;
  /**
   * Where the model learns: `worker` (a worker thread, so decoding the next batches overlaps learning this one)
   * or `main` (the consumer's thread; one thread in all). @default 'worker'
   */
  readonly thread: 'worker' | 'main';
}

export type StoreConfig =
  | { readonly type: 'folder'; readonly path: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint?: string;
      readonly region: string;
      readonly forcePathStyle: boolean;
      readonly accessKeyId?: string;
      readonly secretAccessKey?: string;
    };

export interface CheckpointConfig {
  readonly store: StoreConfig;
  /** Minor versions to keep per major (older ones are pruned after a publication); 0 keeps all. @default 0 */
  readonly keep: number;
  /**
   * Regression models only: checkpoint the per-sample errors the drift machinery and the horizon selector hold
   * (the error detectors' state, the error trend, a running race's paired errors, the lag test's block, the
   * selector's window), so a restart resumes detection, races and selection exactly. Off by default, because a
   * regression error is |label - prediction|, which is the label itself while a model still predicts 0: without
   * this opt-in they stay in memory, and after a restart the detectors and those windows start empty. A
   * classifier's errors are 0/1 and are always checkpointed. @default false
   */
  readonly regressionErrors: boolean;
}

export interface TriggerConfig {
  /** Publish after this many new samples; 0 disables. @default 10000 */
  readonly everySamples: number;
  /** Publish after this many seconds if anything was learned; 0 disables. @default 60 */
  readonly everySeconds: number;
  /** Publish when new samples reach this fraction of all samples seen (e.g. 0.1 = 10%); 0 disables. @default 0 */
  readonly volumeRatio: number;
  /** Publish when a live metric crosses a threshold or drops by a margin from its best since the last version. */
  readonly performance?: PerformanceTriggerConfig;
  /** Publish when a drift detector fires. @default true */
  readonly onDrift: boolean;
  /**
   * No trigger fires sooner than this after the last version (a drift or volume rule that fires meanwhile
   * publishes when the gap has passed). Bounds checkpoint writes and downstream reloads on a fast or
   * continuously drifting stream. Shutdown and challenger promotions are not held back. 0 disables. @default 1
   */
  readonly minGapSeconds: number;
}

export interface PerformanceTriggerConfig {
  /** A key of the live metrics, e.g. `accuracy_window` or `mae_window`. @default 'accuracy_window' */
  readonly metric: string;
  /** `higher` is better (accuracy, auc) or `lower` (log loss, mae, rmse). @default derived from the name */
  readonly better: 'higher' | 'lower';
  /** Fire when the metric is worse than this value. */
  readonly threshold?: number;
  /** Fire when the metric is worse than its best since the last version by this much. */
  readonly dropBy?: number;
  /** Samples since the last version before the rule may fire (the window must refill). @default 1000 */
  readonly minSamples: number;
}

export type DriftSignal = 'error' | 'prediction' | 'input';
export type DetectorKind = 'adwin' | 'ddm' | 'eddm' | 'hddm-a' | 'hddm-w' | 'page-hinkley' | 'kswin';
export type DriftResponse = 'alert' | 'adapt' | 'challenger';

export interface DetectorConfig {
  readonly kind: DetectorKind;
  /** Parameters of the detector, River's defaults when absent. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
}

export interface DriftConfig {
  /** Concept-drift detectors on the error stream (1 = error, 0 = correct; |error| for regression). @default [{ kind: 'adwin' }] */
  readonly detectors: readonly DetectorConfig[];
  /** Data drift (PSI and KS against a reference sketch) on the inputs and on the predictions. */
  readonly data: {
    /** @default false */
    readonly inputs: boolean;
    /**
     * The input fields `inputs` watches (names from `input.features`), e.g. to leave out a timestamp or a counter,
     * whose distribution moves by design. Absent: every field.
     */
    readonly features?: readonly string[];
    /** @default false */
    readonly predictions: boolean;
    /** Samples in the reference window. @default 5000 */
    readonly referenceSize: number;
    /** Samples in each compared window. @default 2000 */
    readonly windowSize: number;
    /** @default 10 */
    readonly bins: number;
    /** @default 0.25 */
    readonly psiThreshold: number;
    /** @default 0.001 */
    readonly ksAlpha: number;
  };
  /** What to do when a detector fires. @default ['alert'] */
  readonly responses: readonly DriftResponse[];
  /** Drift events go here (Avro, schemas/drift-event.avsc). @default 'streamtrain.drift' */
  readonly topic: string;
  /**
   * The `adapt` response. Defaults chosen on development streams from the project's generators, never on the
   * benchmark's (studies/dev-responses.ts part 13, studies/results/dev-responses.json; logistic
   * regression, Adam, nine streams): the grid factor {1, 2, 5} x {500, 2,000} samples x with or without a reset
   * of the optimizer; twice the learning rate for 500 samples, moments kept, had the best mean (0.8890; a reset
   * alone, the earlier default: 0.8869). Keeping Adam's moments matters most after an abrupt change (a concept
   * reversal): its second moment still remembers the small gradients from before, so the first steps after the
   * change are larger than lr; a reset makes them exactly lr and slowed the recovery (0.626 against 0.749
   * accuracy in the 1,000 samples after a reversal). No adapt setting beat no response (0.8892) on these
   * streams then; under today's defaults, hedged (part 25), adapt + challenger gives 0.8914 against 0.8903 for no
   * response. A detection during an adapt period does not restart it.
   */
  readonly adapt: {
    /**
     * Learning-rate multiplier during the period. @default 2
     */
    readonly learningRateFactor: number;
    /** Length of the period in samples; detections inside it are not acted on by `adapt` again. @default 500 */
    readonly forSamples: number;
    /** Forget optimizer moments (Adam's m and v) at the start of the period. @default false */
    readonly resetOptimizer: boolean;
    /**
     * Hedge the period: the raised learning rate (and the reset) go to a copy of the model, which learns the same
     * batches as the unchanged one; both are scored on every batch, the one with fewer errors since the period
     * began predicts the next batch (a tie: the unchanged one), and at the end the leader continues and the other
     * is dropped. A response to a false alarm then costs little accuracy, for at most `forSamples` more samples
     * of training. Chosen on the development streams (studies/dev-responses.ts part 25): the nine-stream
     * mean tied (0.8914 against 0.8911 unhedged) and the worst stream's cost against no response fell from 0.0020
     * to 0.0008, for 5% more training samples. false: the model itself takes the raised rate. @default true
     */
    readonly hedge: boolean;
  };
  readonly challenger: {
    /**
     * `scratch`: a new model; `last-version`: the last published version before the drift. A last version is
     * close to the champion (by default a version is published at every drift and every 10,000 samples), so
     * its race rarely ends early and rarely promotes: on the development streams it cost more training for the
     * same accuracy (studies/results/dev-responses.json). @default 'scratch'
     */
    readonly from: 'scratch' | 'last-version';
    /** Paired samples between two looks at the test, each on the last `minSamples` pairs. @default 1000 */
    readonly minSamples: number;
    /** Give up (keep the champion) after this many samples: at most ceil(maxSamples / minSamples) looks. @default 20000 */
    readonly maxSamples: number;
    /**
     * The challenger must be better by at least this much (accuracy points, or relative MAE). From the second look
     * on, a challenger behind by as much (or significantly worse) is dropped early. @default 0.01
     */
    readonly margin: number;
    /**
     * Significance of the whole race (McNemar for classifiers, paired t on |error| for regression): each look tests
     * at alpha / looks, so an equal challenger is promoted with probability below alpha. @default 0.01
     */
    readonly alpha: number;
    /**
     * After a promotion, the displaced champion keeps learning in the challenger slot and races the new champion
     * under the same rules; when it wins it is reinstated (a new major version whose parents are the new
     * champion's version and its own last version). A promotion is decided on `minSamples` pairs right after a
     * change; this undoes one that the following samples contradict, at the cost of a second model's training
     * while the race runs. A reinstated champion is not raced again by the model it displaced. On the development
     * streams (studies/dev-responses.ts part 12) it tied with dropping the displaced champion: it undid
     * promotions on a stream with noise bursts, and on a stream whose concept reverses and comes back its race
     * held the challenger slot at the next reversal. @default false
     */
    readonly rollback: boolean;
    /**
     * The paired test. `batch-means`: a t-test on the mean difference of 20 consecutive blocks of the window,
     * valid when errors come in runs (temporal dependence, as in most real streams) shorter than a block.
     * `independent`: McNemar for classifiers, a paired t-test on |error| for regression; both assume
     * independent pairs. Simulated with the default race (studies/dev-responses.ts part 16): with
     * disagreements in runs of 10 samples, McNemar promoted an equally good challenger in 44% of races, batch
     * means in none; with independent errors, a challenger 5 points better is promoted in 80% of races (McNemar:
     * 94%). @default 'batch-means'
     */
    readonly test: 'independent' | 'batch-means';
  };
}

export interface PublishConfig {
  /** @default 'streamtrain.versions' */
  readonly versionsTopic: string;
}

export interface ServerConfig {
  /** HTTP port for /healthz and /metrics; 0 disables. @default 0 */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host: string;
}

export interface StreamtrainConfig {
  readonly model: ModelConfig;
  readonly kafka: KafkaConfig;
  readonly input: InputConfig;
  readonly deadLetter: DeadLetterConfig;
  readonly batch: BatchConfig;
  readonly learner: LearnerConfig;
  readonly checkpoints: CheckpointConfig;
  readonly triggers: TriggerConfig;
  readonly publish: PublishConfig;
  readonly server: ServerConfig;
  readonly drift: DriftConfig;
  /** @default 'info' */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

/** One position of the input vector: its name (in drift scores) and the input field it comes from. */
export interface InputColumn {
  readonly name: string;
  readonly field: string;
}

/**
 * The input vector's positions, named: a numeric field by its name, a vector field as `field[i]`, a one-hot field
 * as `field=value`, a hashed one as `field#bucket`. Same order and length as {@link inputWidth}.
 */
export function inputColumns(features: readonly FeatureSpec[]): InputColumn[] {
  const out: InputColumn[] = [];
  for (const f of features) {
    const field = f.field;
    if (f.type === 'numeric') out.push({ name: field, field });
    else if (f.type === 'vector') for (let i = 0; i < f.size; i++) out.push({ name: `${field}[${i}]`, field });
    else if (f.encoding === 'one-hot') for (const v of f.values) out.push({ name: `${field}=${v}`, field });
    else for (let b = 0; b < f.buckets; b++) out.push({ name: `${field}#${b}`, field });
  }
  return out;
}

/** Width of the input vector a feature spec produces. */
export function inputWidth(features: readonly FeatureSpec[]): number {
  let width = 0;
  for (const f of features) {
    if (f.type === 'numeric') width += 1;
    else if (f.type === 'vector') width += f.size;
    else if (f.encoding === 'one-hot') width += f.values.length;
    else width += f.buckets;
  }
  return width;
}
