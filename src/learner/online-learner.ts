import type { Logger, MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import { ConfigError, defaultAveragingHoldoff, UpdateRejectedError } from '../core/index.js';
import { errorsOf, PrequentialMetrics } from './metrics.js';
import { buildModel, inputWidthOf, outputKindOf, type OutputKind } from './models.js';
import { DenseGradients } from './dense-gradients.js';
import { alignAdamPowers, createOptimizer, learningRateOf, setLearningRate } from './optimizer.js';
import { allFinite, loadModelArtifacts, packTensors, saveModelArtifacts, unpackTensors } from './snapshot.js';
import { loadModelFile } from './file-model.js';
import { foldIntoDense, Standardizer } from './standardizer.js';
import { HorizonSelector, type HorizonSelectorState } from './horizon-selector.js';
import { TypedDenseTrainer } from './typed-dense-trainer.js';
import { WeightAverage } from './weight-average.js';
import { tf } from './tf.js';

const EPS = 1e-7;
/** Names of the trained weights in a snapshot's optimizer state when the published weights are their average. */
const TRAINED_PREFIX = 'streamtrain.trained/';
/**
 * With `model.standardize`, the published weights have the standardization folded in (they take raw features);
 * the weights that predicted, on standardized features, travel under this prefix so training continues exactly.
 */
const UNFOLDED_PREFIX = 'streamtrain.unfolded/';
/**
 * A whole-batch step goes through the typed trainer up to this many multiply-adds per forward pass (rows x the
 * model's multiply-adds per row); above it, tfjs' kernels are as fast or faster than plain loops. Measured on the
 * wasm backend (2 cores), a step with averaging, typed against tfjs: logistic regression (8 features) at batch 256
 * 63 against 278 us, at 1,024 155 against 314 us; an MLP 8-16-1 at 256 (36,864) 409 against 525 us; an MLP 8-64-1
 * at 32 (18,432) 227 against 481 us; the loops cost about 10 us per 1,000 multiply-adds and tfjs 500 to 600 us
 * a step at these sizes, so they cross near 50,000.
 */
const TYPED_WHOLE_BATCH_MACS = 49_152;
/** With `model.averaging.select`: the average's weights (the published ones may be another candidate's)... */
const AVERAGE_PREFIX = 'streamtrain.average/';
/** ...and the shorter average's. */
const SHORT_PREFIX = 'streamtrain.short/';
/** The shorter average's horizon, as a fraction of `model.averaging.horizon`. */
const SHORT_HORIZON_FRACTION = 0.3;
/** Optimizer-state tensors that are not the optimizer's own slots. */
const LEARNER_PREFIXES = [TRAINED_PREFIX, UNFOLDED_PREFIX, AVERAGE_PREFIX, SHORT_PREFIX];

/** `model.averaging.select`: the shorter average, in its own model, and the selector among the three weight sets. */
interface Selection {
  readonly average: WeightAverage;
  readonly serving: tf.LayersModel;
  readonly selector: HorizonSelector;
  /** Horizons of the candidates, in the selector's order: the average, the shorter one, the trained weights (0). */
  readonly horizons: readonly [number, number, number];
}

/** Rows of one micro-batch, row-major. */
export interface LearnInput {
  readonly size: number;
  readonly width: number;
  readonly features: Float32Array;
  readonly labels: Float32Array;
}

export interface StepResult {
  readonly size: number;
  /** Mean training loss of the batch before the update. */
  readonly loss: number;
  /** False when the guard refused the update (non-finite loss or gradients); the batch was still scored. */
  readonly applied: boolean;
  /** Per sample, scored before the update: 1 = error / 0 = correct for classifiers, |error| for regression. */
  readonly errors: Float32Array;
  /** Per sample, pre-update output: P(class 1) for binary, P(true class) for multiclass, value for regression. */
  readonly scores: Float32Array;
  /**
   * With weight averaging and `model.averaging.restartOnLag`, outside a hold-off: the errors the trained weights
   * would have made on the same samples (same convention as `errors`), to tell whether the average lags.
   */
  readonly trainedErrors?: Float32Array;
}

export interface OnlineLearnerOptions {
  readonly spec: ModelConfig;
  /** Samples per gradient step; a larger micro-batch is scored whole, then learned in steps of this size. @default the whole batch */
  readonly updateBatchSize?: number;
  readonly inputWidth: number;
  readonly metricsWindow: number;
  readonly logger: Logger;
  /**
   * Score and step in typed arrays (TypedDenseTrainer) when the model is a plain Dense stack with biases and the
   * optimizer SGD or Adam: always for slices of a micro-batch (`updateBatchSize` below its size), and for a
   * whole-batch step up to TYPED_WHOLE_BATCH_MACS; false keeps every step on tfjs (a reference for tests and
   * benchmarks). @default true
   */
  readonly typedSteps?: boolean;
  /**
   * Keep a regression model's per-sample errors (the horizon selector's window) in snapshots
   * (`checkpoints.regressionErrors`); a classifier's 0/1 errors are always kept. @default false
   */
  readonly regressionErrors?: boolean;
}

/**
 * One live model updated by test-then-train on every micro-batch: predict (scored into the live metrics),
 * then one gradient step. With weight averaging (`model.averaging`), two sets of weights: the optimizer moves
 * the trained ones, and their moving average predicts and is what a snapshot publishes as the model's weights;
 * the trained weights travel in the snapshot's optimizer state. Each step runs inside `tf.tidy`, so the number
 * of live tensors is the same after every batch (tfjs training loops that skip disposal leak, see tfjs issue
 * #8326).
 */
export class OnlineLearner {
  private updatesRejected = 0;
  private steps = 0;
  private baseLearningRate: number;
  /** Hand-written gradients for plain Dense stacks (all built-in models); undefined: tfjs autodiff. */
  private readonly dense?: DenseGradients;
  /** The same for the model that predicts (its forward pass only); undefined: tfjs-layers' predict(). */
  private readonly servingDense?: DenseGradients;
  /** Scoring and steps in typed arrays (see OnlineLearnerOptions.typedSteps); undefined: every step through tfjs. */
  private readonly typed?: TypedDenseTrainer;
  /** The averaged weights as the typed trainer orders them (per layer, kernel then bias). */
  private readonly servingVariables?: tf.Variable[];
  /** The same for the shorter average (`model.averaging.select`). */
  private readonly shortDense?: DenseGradients;
  private readonly shortVariables?: tf.Variable[];

  private constructor(
    private model: tf.LayersModel,
    /** The weights that predict: `model` itself, or the model holding the average. */
    private readonly serving: tf.LayersModel,
    private readonly average: WeightAverage | undefined,
    private optimizer: tf.Optimizer,
    readonly spec: ModelConfig,
    readonly outputKind: OutputKind,
    readonly metrics: PrequentialMetrics,
    private readonly logger: Logger,
    private readonly updateBatchSize: number,
    typedSteps: boolean,
    /** `model.standardize`: the running standardization of the inputs. */
    private readonly standardizer?: Standardizer,
    /** `model.averaging.select`: the shorter average and the selector. */
    private readonly selection?: Selection,
    /** `regressionErrors` of the options: a regression model's selector window goes into snapshots. */
    private readonly regressionErrors = false,
  ) {
    this.baseLearningRate = learningRateOf(optimizer);
    this.dense = DenseGradients.of(model, outputKind);
    this.servingDense = serving === model ? this.dense : DenseGradients.of(serving, outputKind);
    this.shortDense = selection ? DenseGradients.of(selection.serving, outputKind) : undefined;
    if (typedSteps && this.dense && (!average || this.servingDense) && (!selection || this.shortDense)) {
      this.typed = TypedDenseTrainer.of(this.dense.layers, outputKind);
      const order = (d: DenseGradients) => d.layers.flatMap((l) => (l.bias ? [l.kernel, l.bias] : [l.kernel]));
      if (average && this.servingDense) this.servingVariables = order(this.servingDense);
      if (this.shortDense) this.shortVariables = order(this.shortDense);
    }
  }

  /** Builds the model from config (or the user's model.json), or restores it from a checkpoint snapshot. */
  static async create(opts: OnlineLearnerOptions, snapshot?: ModelSnapshot): Promise<OnlineLearner> {
    const { spec } = opts;
    let model: tf.LayersModel;
    if (snapshot) model = await loadModelArtifacts(snapshot);
    else if (spec.type === 'custom') model = await loadModelFile(spec.modelPath as string);
    else model = buildModel(spec, opts.inputWidth);
    const width = inputWidthOf(model);
    if (width !== opts.inputWidth) {
      model.dispose();
      throw new ConfigError('input.features', `The model expects input vectors of width ${width}, but \`input.features\` makes vectors of width ${opts.inputWidth}`);
    }
    // A snapshot's weights are the ones that predicted; the trained ones, when they differ, are in its optimizer state.
    // With standardization they are published folded (for raw features): the unfolded ones are in the state too.
    const standardize = spec.standardize === true;
    const savedScaling = (snapshot?.optimizer.config as { standardizer?: unknown } | undefined)?.standardizer;
    const folded = savedScaling !== undefined;
    if (snapshot && standardize && !folded) opts.logger.warn('model.standardize is on but the checkpoint was written without it: its weights were learned on raw features and now see standardized ones until they adapt');
    if (snapshot && !standardize && folded) opts.logger.warn('model.standardize is off but the checkpoint was written with it: training continues from its published weights, which take raw features');
    const unfolded = snapshot && standardize && folded ? prefixedWeightsOf(snapshot, UNFOLDED_PREFIX) : [];
    if (unfolded.length && unfolded.length !== model.weights.length) throw new ConfigError('model.standardize', `The checkpoint's unfolded weights (${unfolded.length}) do not fit the model (${model.weights.length} weights)`);
    if (unfolded.length) model.setWeights(unfolded.map((n) => n.tensor));
    // Trained weights of a checkpoint written with standardization are on standardized features: unusable without it.
    const trained = snapshot && !(folded && !standardize) ? prefixedWeightsOf(snapshot, TRAINED_PREFIX) : [];
    const horizon = spec.averaging?.horizon ?? 0;
    let serving = model;
    let average: WeightAverage | undefined;
    let selection: Selection | undefined;
    if (horizon > 0) {
      serving = snapshot && !unfolded.length ? await loadModelArtifacts(snapshot) : await loadModelArtifacts(await saveModelArtifacts(model));
      // A new model's first iterates are not worth averaging: it starts as after a restart.
      const holdoff = spec.averaging?.holdoff ?? defaultAveragingHoldoff(horizon);
      const saved = trained.length ? averageStateOf(snapshot?.optimizer.config) : { mass: 0, holdoff: snapshot ? 0 : (spec.averaging?.warmup ?? holdoff) };
      average = new WeightAverage(model.weights, serving.weights, horizon, saved.mass, saved.holdoff, holdoff);
      if (spec.averaging?.select) {
        // The published weights may be any candidate's: the averages travel under their own names.
        const savedAverage = snapshot ? prefixedWeightsOf(snapshot, AVERAGE_PREFIX) : [];
        if (savedAverage.length === serving.weights.length) serving.setWeights(savedAverage.map((n) => n.tensor));
        savedAverage.forEach((n) => n.tensor.dispose());
        const shortServing = await loadModelArtifacts(await saveModelArtifacts(serving));
        const savedShort = snapshot ? prefixedWeightsOf(snapshot, SHORT_PREFIX) : [];
        const hasShort = savedShort.length === shortServing.weights.length;
        if (hasShort) shortServing.setWeights(savedShort.map((n) => n.tensor));
        savedShort.forEach((n) => n.tensor.dispose());
        const shortHorizon = Math.max(1, Math.round(horizon * SHORT_HORIZON_FRACTION));
        const config = snapshot?.optimizer.config as { shortAverageMass?: unknown; shortAverageHoldoff?: unknown; selector?: HorizonSelectorState } | undefined;
        const shortSaved = trained.length && hasShort ? averageStateOf({ averageMass: config?.shortAverageMass, averageHoldoff: config?.shortAverageHoldoff }) : { mass: 0, holdoff: snapshot ? 0 : (spec.averaging?.warmup ?? holdoff) };
        selection = {
          average: new WeightAverage(model.weights, shortServing.weights, shortHorizon, shortSaved.mass, shortSaved.holdoff, holdoff),
          serving: shortServing,
          selector: new HorizonSelector(3, Math.max(1, Math.floor(horizon / 2)), config?.selector),
          horizons: [horizon, shortHorizon, 0],
        };
      }
    }
    if (trained.length) {
      if (trained.length === model.weights.length) model.setWeights(trained.map((n) => n.tensor));
      else opts.logger.warn({ saved: trained.length, model: model.weights.length }, 'trained weights in the checkpoint do not fit the model: training continues from the published (averaged) weights');
      trained.forEach((n) => n.tensor.dispose());
    }
    unfolded.forEach((n) => n.tensor.dispose());
    let standardizer: Standardizer | undefined;
    if (standardize) {
      if (!DenseGradients.firstDense(model)) {
        model.dispose();
        if (serving !== model) serving.dispose();
        selection?.serving.dispose();
        throw new ConfigError('model.standardize', 'model.standardize needs a model whose first layer is Dense (the built-in types)');
      }
      standardizer = new Standardizer(width, folded && Standardizer.fits(savedScaling, width) ? savedScaling : undefined);
    }
    const kind = outputKindOf(model, spec.task);
    const optimizer = createOptimizer(spec.optimizer);
    const learner = new OnlineLearner(model, serving, average, optimizer, spec, kind, new PrequentialMetrics(kind, spec.classes, opts.metricsWindow), opts.logger.child({ module: 'learner' }), opts.updateBatchSize ?? Number.MAX_SAFE_INTEGER, opts.typedSteps ?? true, standardizer, selection, opts.regressionErrors === true);
    if (snapshot) await learner.restoreOptimizer(snapshot.optimizer);
    return learner;
  }

  /** Scores the batch with the current model, then learns from it. Synchronous: one read-back per batch. */
  step(input: LearnInput): StepResult {
    const { size, width } = input;
    // The batch's features (never its labels) update the statistics before it is scored and learned.
    this.standardizer?.update(input.features, size);
    const batch = this.standardizer ? { ...input, features: this.standardizer.transform(input.features, size) } : input;
    const errors = new Float32Array(size);
    const chunk = this.updateBatchSize;
    // Outside a hold-off the average and the trained weights differ: score both when asked (restartOnLag).
    const compare = this.average !== undefined && this.average.holdoff === 0 && this.spec.averaging?.restartOnLag === true;
    const selection = this.selection;
    let outputs: Float32Array;
    let shortOutputs: Float32Array | undefined;
    let trainedOutputs: Float32Array | undefined;
    let loss: number;
    let applied: boolean;
    const typed = this.typedTrainer();
    const servings = this.average && this.servingVariables ? [{ variables: this.servingVariables, stepper: this.average }] : [];
    if (selection && this.shortVariables && servings.length) servings.push({ variables: this.shortVariables, stepper: selection.average });
    if (typed && (chunk < size || size * typed.macsPerRow <= TYPED_WHOLE_BATCH_MACS)) {
      // Scored and learned in typed arrays, whose state the trainer holds until something else needs the variables.
      const r = typed.run(batch.features, batch.labels, size, Math.min(chunk, size), this.optimizer, this.spec.optimizer.clipNorm, servings, { trained: compare || selection !== undefined });
      outputs = r.outputs as Float32Array;
      shortOutputs = r.servingOutputs?.[1];
      trainedOutputs = r.trainedOutputs;
      loss = r.loss;
      applied = r.refused === 0;
    } else if (chunk >= size) {
      // One step on the whole batch: the training forward pass doubles as the (pre-update) prediction, or with
      // averaging the averaged model's forward pass runs in the same tfjs scope, read back with the loss.
      this.flushTyped();
      ({ outputs, trainedOutputs, alsoOutputs: shortOutputs, loss, applied } = this.gradientStep(batch.features, batch.labels, size, width, true, compare || selection !== undefined, selection ? { model: selection.serving, dense: this.shortDense } : undefined));
      if (applied) {
        this.average?.update(size);
        selection?.average.update(size);
      }
    } else {
      // Score the whole batch first, then one step per slice: each sample is still learned exactly once.
      this.flushTyped();
      outputs = this.scoreWith(this.serving, this.servingDense, batch.features, size);
      if (selection) shortOutputs = this.scoreWith(selection.serving, this.shortDense, batch.features, size);
      if (compare || selection) trainedOutputs = this.scoreWith(this.model, this.dense, batch.features, size);
      loss = 0;
      applied = true;
      for (let at = 0; at < size; at += chunk) {
        const end = Math.min(size, at + chunk);
        const r = this.gradientStep(batch.features.subarray(at * width, end * width), batch.labels.subarray(at, end), end - at, width, false);
        if (r.applied) {
          this.average?.update(end - at);
          selection?.average.update(end - at);
        }
        loss += r.loss * (end - at);
        applied &&= r.applied;
      }
      loss /= size;
    }
    const averageOutputs = outputs;
    if (selection && shortOutputs && trainedOutputs) {
      // The weights chosen before this batch score it (prequential); then every candidate's errors update the choice.
      const candidates = [averageOutputs, shortOutputs, trainedOutputs];
      outputs = candidates[selection.selector.choice] as Float32Array;
      selection.selector.add(candidates.map((o) => errorsOf(this.outputKind, o, batch.labels)));
    }
    if (!compare) trainedOutputs = undefined;
    this.metrics.update(outputs, batch.labels, errors);
    this.steps += 1;
    if (!applied) {
      this.updatesRejected += 1;
      this.logger.warn({ step: this.steps, size, loss }, 'update refused: non-finite loss or gradients; weights unchanged');
    }
    const trainedErrors = trainedOutputs ? errorsOf(this.outputKind, trainedOutputs, batch.labels) : undefined;
    return { size, loss, applied, errors, scores: this.scoresOf(outputs, batch.labels), ...(trainedErrors ? { trainedErrors } : {}) };
  }

  /**
   * Writes the state the typed trainer holds between micro-batches into the tfjs variables. Everything that reads
   * or changes the variables, the optimizer or the averages outside a typed step calls it first.
   */
  private flushTyped(): void {
    this.typed?.flush();
  }

  /** The typed trainer, when it can take this step: a plain Dense stack, and an optimizer it implements. */
  private typedTrainer(): TypedDenseTrainer | undefined {
    if (!this.typed || !this.dense || !TypedDenseTrainer.supports(this.optimizer)) return undefined;
    return TypedDenseTrainer.slotsMatch(this.optimizer, this.dense.layers) ? this.typed : undefined;
  }

  /**
   * One guarded gradient step: refused (weights untouched) when the loss or the gradient norm is not finite,
   * scaled down when the norm exceeds `clipNorm`. Returns the pre-update outputs when asked, and those of the
   * trained weights when they are not the ones that predict.
   */
  private gradientStep(
    features: Float32Array,
    labels: Float32Array,
    size: number,
    width: number,
    wantOutputs: boolean,
    wantTrained = false,
    /** One more set of weights to score on the same input tensor, before the step (the selector's shorter average). */
    also?: { model: tf.LayersModel; dense: DenseGradients | undefined },
  ): { outputs: Float32Array; trainedOutputs?: Float32Array; alsoOutputs?: Float32Array; loss: number; applied: boolean } {
    let loss = Number.NaN;
    let applied = false;
    let outputs: Float32Array = new Float32Array(0);
    let trainedOutputs: Float32Array | undefined;
    let alsoOutputs: Float32Array | undefined;
    tf.tidy(() => {
      const x = tf.tensor2d(features, [size, width]);
      const y = tf.tensor1d(labels);
      let preds: tf.Tensor | undefined;
      let value: tf.Scalar;
      let grads: tf.NamedTensorMap;
      // With averaging the averaged weights predict; they move only after this step, in `average.update()`.
      if (wantOutputs && this.average) preds = this.servingDense ? this.servingDense.forward(x) : (this.serving.predict(x) as tf.Tensor);
      if (also) alsoOutputs = (also.dense ? also.dense.forward(x) : (also.model.predict(x) as tf.Tensor)).dataSync() as Float32Array;
      let trained: tf.Tensor | undefined;
      if (this.dense) {
        const r = this.dense.run(x, y);
        ({ loss: value, grads } = r);
        if (wantOutputs && !preds) preds = r.outputs;
        else if (wantTrained) trained = r.outputs;
      } else {
        const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
        ({ value, grads } = tf.variableGrads(() => {
          const out = this.model.apply(x, { training: true }) as tf.Tensor;
          if (wantOutputs && !preds) preds = tf.keep(out);
          else if (wantTrained) trained = tf.keep(out);
          return this.lossOf(out, y);
        }, vars));
      }
      const names = Object.keys(grads);
      const sq = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
      const norm = tf.sqrt(sq.length ? tf.addN(sq) : tf.scalar(0));
      const stats = tf.stack([value, norm]).dataSync();
      if (preds) {
        outputs = preds.dataSync() as Float32Array;
        // Kept out of variableGrads' own scope; this tidy's scope releases the dense path's.
        preds.dispose();
      }
      if (trained) {
        trainedOutputs = trained.dataSync() as Float32Array;
        trained.dispose();
      }
      loss = stats[0] as number;
      const gradNorm = stats[1] as number;
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return;
      const clip = this.spec.optimizer.clipNorm;
      const scaled: tf.NamedTensorMap = {};
      for (const n of names) scaled[n] = gradNorm > clip ? tf.mul(grads[n] as tf.Tensor, clip / gradNorm) : (grads[n] as tf.Tensor);
      alignAdamPowers(this.optimizer);
      this.optimizer.applyGradients(scaled);
      applied = true;
    });
    return { outputs, ...(trainedOutputs ? { trainedOutputs } : {}), ...(alsoOutputs ? { alsoOutputs } : {}), loss, applied };
  }

  /**
   * Predictions of the live model (the weights that predict: the average, or the selector's choice) for row-major raw features, computed by
   * tfjs-layers as any tfjs loader of the published `model.json` computes them, to the last bit. With
   * `model.standardize` the features are standardized first, and the published files fold that into their first
   * layer, so a loader agrees to rounding (tests: 1e-4).
   */
  predict(raw: Float32Array, size: number): Float32Array {
    this.flushTyped();
    const features = this.standardizer ? this.standardizer.transform(raw, size) : raw;
    const live = this.liveModel();
    return tf.tidy(() => (live.predict(tf.tensor2d(features, [size, features.length / size])) as tf.Tensor).dataSync() as Float32Array);
  }

  /**
   * Pre-update outputs of one of the weight sets (the average, the shorter one, the trained weights) for test-then-
   * train scoring, through its Dense stack's own forward pass when it has one, else tfjs-layers' predict().
   */
  private scoreWith(model: tf.LayersModel, dense: DenseGradients | undefined, features: Float32Array, size: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(features, [size, features.length / size]);
      return (dense ? dense.forward(x) : (model.predict(x) as tf.Tensor)).dataSync() as Float32Array;
    });
  }

  /** The weights that predict and are published: the average, or with `model.averaging.select` the chosen candidate. */
  private liveModel(): tf.LayersModel {
    const s = this.selection;
    if (!s) return this.serving;
    const k = s.selector.choice;
    return k === 0 ? this.serving : k === 1 ? s.serving : this.model;
  }

  /**
   * Weights and optimizer slots, detached from tensors. Refuses to return a model with non-finite weights.
   * `inMemory`: a copy that is never persisted (a hedged adapt period's), which keeps even a regression model's
   * per-sample selector window.
   */
  async snapshot(options: { inMemory?: boolean } = {}): Promise<ModelSnapshot> {
    this.flushTyped();
    const artifacts = await this.publishedArtifacts();
    if (!allFinite(artifacts.weightSpecs, artifacts.weightData)) {
      throw new UpdateRejectedError('The model has non-finite weights; refusing to checkpoint it');
    }
    const named = await this.optimizer.getWeights();
    const trained = this.average ? this.model.weights.map((w, i) => ({ name: `${TRAINED_PREFIX}${i}/${w.originalName}`, tensor: w.read() })) : [];
    for (const t of trained) {
      if (!tensorFinite(t.tensor)) throw new UpdateRejectedError('The model has non-finite trained weights; refusing to checkpoint it');
    }
    const unfolded = this.standardizer ? this.serving.weights.map((w, i) => ({ name: `${UNFOLDED_PREFIX}${i}/${w.originalName}`, tensor: w.read() })) : [];
    const s = this.selection;
    const averages = s
      ? [...this.serving.weights.map((w, i) => ({ name: `${AVERAGE_PREFIX}${i}/${w.originalName}`, tensor: w.read() })), ...s.serving.weights.map((w, i) => ({ name: `${SHORT_PREFIX}${i}/${w.originalName}`, tensor: w.read() }))]
      : [];
    const packed = await packTensors([...named, ...trained, ...unfolded, ...averages]);
    // getWeights() returns the live slot variables plus a fresh iteration-count tensor: dispose only the latter.
    named.forEach((n) => {
      if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
    });
    return {
      ...artifacts,
      optimizer: {
        className: this.optimizer.getClassName(),
        config: {
          ...this.optimizer.getConfig(),
          learningRate: this.baseLearningRate,
          ...(this.average ? { averageMass: this.average.mass, averageHoldoff: this.average.holdoff } : {}),
          ...(this.standardizer ? { standardizer: this.standardizer.state() } : {}),
          // Per-sample errors are kept for classifiers (0/1); for regression only on opt-in: the error of a model predicting 0 is the label.
          ...(s ? { shortAverageMass: s.average.mass, shortAverageHoldoff: s.average.holdoff, ...(this.outputKind !== 'regression' || this.regressionErrors || options.inMemory ? { selector: s.selector.state() } : {}) } : {}),
        },
        ...packed,
      },
    };
  }

  /**
   * The weights that predict, as the standard model.json + weights.bin; with standardization folded into the first
   * Dense layer, so that the files take raw features.
   */
  private async publishedArtifacts(): Promise<Pick<ModelSnapshot, 'topology' | 'weightSpecs' | 'weightData'>> {
    const artifacts = await saveModelArtifacts(this.liveModel());
    if (!this.standardizer) return artifacts;
    const [kernelSpec, biasSpec] = artifacts.weightSpecs;
    const width = this.standardizer.width;
    const units = kernelSpec?.shape[1] ?? 0;
    if (!kernelSpec || kernelSpec.shape.length !== 2 || kernelSpec.shape[0] !== width || biasSpec?.shape.length !== 1 || biasSpec.shape[0] !== units) {
      throw new UpdateRejectedError('model.standardize: the first weights of the model are not a Dense kernel and bias; cannot fold the standardization into them');
    }
    const data = artifacts.weightData.slice(0);
    const kernel = new Float32Array(data, 0, width * units);
    const bias = new Float32Array(data, width * units * 4, units);
    const [shift, scale] = this.standardizer.affine();
    const f = foldIntoDense(kernel, bias, shift, scale);
    kernel.set(f.kernel);
    bias.set(f.bias);
    return { ...artifacts, weightData: data };
  }

  /**
   * The prequential metrics, rejected updates, and with weight averaging the samples left in its hold-off
   * (`average_holdoff`: above 0, the trained weights predict and are what a version publishes).
   */
  liveMetrics(): MetricValues {
    const s = this.selection;
    return {
      ...this.metrics.values(),
      updates_rejected: this.updatesRejected,
      ...(this.average ? { average_holdoff: this.average.holdoff } : {}),
      // With `model.averaging.select`, the horizon of the weights that predict (0: the trained weights).
      ...(s ? { average_horizon_selected: s.horizons[s.selector.choice] as number } : {}),
    };
  }

  get rejectedUpdates(): number {
    return this.updatesRejected;
  }

  get learningRate(): number {
    return learningRateOf(this.optimizer);
  }

  /** Temporarily scales the learning rate (drift response `adapt`); `restoreLearningRate` undoes it. */
  boostLearningRate(factor: number): void {
    setLearningRate(this.optimizer, this.baseLearningRate * factor);
  }

  restoreLearningRate(): void {
    setLearningRate(this.optimizer, this.baseLearningRate);
  }

  /** Forgets optimizer moments (drift response `adapt`), keeping the weights. */
  resetOptimizer(): void {
    this.flushTyped();
    this.optimizer.dispose();
    this.optimizer = createOptimizer(this.spec.optimizer);
  }

  /** True when a moving average of the trained weights predicts (`model.averaging.horizon` > 0). */
  get averaging(): boolean {
    return this.average !== undefined;
  }

  /** Samples left before the weight average starts again after a restart (0 without averaging). */
  get averageHoldoff(): number {
    return this.average?.holdoff ?? 0;
  }

  /** Restarts the weight average from the trained weights (after a drift); no-op without averaging. */
  restartAverage(): void {
    this.flushTyped();
    this.average?.restart();
    this.selection?.average.restart();
  }

  dispose(): void {
    this.typed?.release();
    if (this.serving !== this.model) this.serving.dispose();
    this.selection?.serving.dispose();
    this.model.dispose();
    this.optimizer.dispose();
  }

  private lossOf(out: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
    let loss: tf.Scalar;
    if (this.outputKind === 'regression') {
      loss = tf.mean(tf.square(tf.sub(out.reshape([-1]), y))) as tf.Scalar;
    } else if (this.outputKind === 'binary') {
      const p = tf.clipByValue(out.reshape([-1]), EPS, 1 - EPS);
      loss = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    } else {
      const units = out.shape[out.shape.length - 1] as number;
      const oneHot = tf.oneHot(tf.cast(y, 'int32'), units);
      loss = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(out, EPS, 1))), -1))) as tf.Scalar;
    }
    // Layer regularizers (the L2 penalty), computed from the current weights. `model.losses` stays empty for
    // weight regularizers in tfjs-layers; each layer's calculateLosses() is what its own fit() adds.
    const penalties = this.model.layers.flatMap((l) => l.calculateLosses());
    return penalties.length ? (tf.add(loss, tf.addN(penalties)) as tf.Scalar) : loss;
  }

  private scoresOf(out: Float32Array, labels: Float32Array): Float32Array {
    if (this.outputKind !== 'multiclass') return out.slice(0, labels.length);
    const units = out.length / labels.length;
    const s = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) s[i] = out[i * units + (labels[i] as number)] ?? 0;
    return s;
  }

  private async restoreOptimizer(state: ModelSnapshot['optimizer']): Promise<void> {
    if (state.className !== this.optimizer.getClassName()) {
      this.logger.warn({ saved: state.className, configured: this.optimizer.getClassName() }, 'optimizer type changed since the checkpoint: starting with fresh optimizer slots');
      return;
    }
    const named = unpackTensors(state.tensors.filter((s) => !LEARNER_PREFIXES.some((p) => s.name.startsWith(p))), state.data);
    await this.optimizer.setWeights(named);
    named.forEach((n) => n.tensor.dispose());
  }
}

/**
 * Weights a snapshot carries in its optimizer state under `prefix`: the trained ones (empty when its weights are
 * the trained ones), or the unfolded ones (with standardization).
 */
function prefixedWeightsOf(snapshot: ModelSnapshot, prefix: string): { name: string; tensor: tf.Tensor }[] {
  const specs = snapshot.optimizer.tensors.filter((s) => s.name.startsWith(prefix));
  return specs.length ? unpackTensors(specs, snapshot.optimizer.data) : [];
}

/** The average's bookkeeping in a snapshot's optimizer config; anything unreadable restarts it. */
function averageStateOf(config: unknown): { mass: number; holdoff: number } {
  const c = config as { averageMass?: unknown; averageHoldoff?: unknown } | undefined;
  const m = c?.averageMass;
  const h = c?.averageHoldoff;
  return {
    mass: typeof m === 'number' && Number.isFinite(m) && m >= 0 && m <= 1 ? m : 0,
    holdoff: typeof h === 'number' && Number.isFinite(h) && h >= 0 ? h : 0,
  };
}

function tensorFinite(t: tf.Tensor): boolean {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i] as number)) return false;
  return true;
}
