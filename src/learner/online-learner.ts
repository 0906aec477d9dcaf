import type { Logger, MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import { DEFAULT_STANDARDIZE_BY, UpdateRejectedError } from '../core/index.js';
import { DenseGradients } from './dense-gradients.js';
import type { LearnerState } from './learner-state.js';
import { setUpModels, type LearnerModels } from './learner-setup.js';
import { learnerStateOf, publishedArtifacts } from './learner-snapshot.js';
import type { LearnInput, OnlineLearnerOptions, StepResult } from './learner-types.js';
import { errorsOf, PrequentialMetrics } from './metrics.js';
import { outputKindOf, type OutputKind } from './models.js';
import { createOptimizer, learningRateOf, setLearningRate } from './optimizer.js';
import { allFinite, packTensors, unpackTensors } from './snapshot.js';
import { readLearnerState } from './state-reader.js';
import { tf } from './tf.js';
import { regressionLossOf, unscale } from './target-scaler.js';
import { scoreWith, tfjsStep, type TfjsStep } from './tfjs-step.js';
import { TypedDenseTrainer } from './typed-dense-trainer.js';

/** What a learner is made of (see `OnlineLearner.create`). */
interface LearnerParts {
  readonly models: LearnerModels;
  readonly optimizer: tf.Optimizer;
  readonly spec: ModelConfig;
  readonly outputKind: OutputKind;
  readonly metrics: PrequentialMetrics;
  readonly logger: Logger;
  readonly updateBatchSize: number;
  readonly typedSteps: boolean;
  /** `regressionErrors` of the options: a regression model's selector window goes into snapshots. */
  readonly regressionErrors: boolean;
}

/**
 * One live model updated by test-then-train on every micro-batch: predict (scored into the live metrics),
 * then one gradient step. With weight averaging (`model.averaging`), two sets of weights: the optimizer moves
 * the trained ones, and their moving average predicts and is what a snapshot publishes as the model's weights;
 * the trained weights travel in the snapshot's learner state (`LearnerState`). Each step runs inside `tf.tidy`,
 * so the number of live tensors is the same after every batch (tfjs training loops that skip disposal leak, see
 * tfjs issue #8326).
 */
export class OnlineLearner {
  private updatesRejected = 0;
  private steps = 0;
  private baseLearningRate: number;
  /** The models: trained, serving (the average), the shorter average and selector, the standardizer. */
  private readonly m: LearnerModels;
  private optimizer: tf.Optimizer;
  readonly spec: ModelConfig;
  readonly outputKind: OutputKind;
  readonly metrics: PrequentialMetrics;
  private readonly logger: Logger;
  private readonly updateBatchSize: number;
  private readonly regressionErrors: boolean;
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

  private constructor(p: LearnerParts) {
    this.m = p.models;
    this.optimizer = p.optimizer;
    this.spec = p.spec;
    this.outputKind = p.outputKind;
    this.metrics = p.metrics;
    this.logger = p.logger;
    this.updateBatchSize = p.updateBatchSize;
    this.regressionErrors = p.regressionErrors;
    const { model, serving, average, selection } = p.models;
    const kind = p.outputKind;
    this.baseLearningRate = learningRateOf(p.optimizer);
    const loss = regressionLossOf(p.spec);
    this.dense = DenseGradients.of(model, kind, loss);
    this.servingDense = serving === model ? this.dense : DenseGradients.of(serving, kind);
    this.shortDense = selection ? DenseGradients.of(selection.serving, kind) : undefined;
    if (p.typedSteps && this.dense && (!average || this.servingDense) && (!selection || this.shortDense)) {
      this.typed = TypedDenseTrainer.of(this.dense.layers, kind, loss);
      const order = (d: DenseGradients) => d.layers.flatMap((l) => (l.bias ? [l.kernel, l.bias] : [l.kernel]));
      if (average && this.servingDense) this.servingVariables = order(this.servingDense);
      if (this.shortDense) this.shortVariables = order(this.shortDense);
    }
  }

  /**
   * Builds the model from config (or the user's model.json), or restores it from a checkpoint snapshot: its
   * learner state in the current format or the one before (see state-reader.ts).
   */
  static async create(opts: OnlineLearnerOptions, snapshot?: ModelSnapshot): Promise<OnlineLearner> {
    const { spec } = opts;
    const saved = snapshot ? readLearnerState(snapshot) : undefined;
    const models = await setUpModels(opts, snapshot, saved?.learner);
    const kind = outputKindOf(models.model, spec.task);
    const learner = new OnlineLearner({
      models,
      optimizer: createOptimizer(spec.optimizer),
      spec,
      outputKind: kind,
      metrics: new PrequentialMetrics(kind, spec.classes, opts.metricsWindow),
      logger: opts.logger.child({ module: 'learner' }),
      updateBatchSize: opts.updateBatchSize ?? Number.MAX_SAFE_INTEGER,
      typedSteps: opts.typedSteps ?? true,
      regressionErrors: opts.regressionErrors === true,
    });
    if (saved) await learner.restoreOptimizer(saved.optimizer);
    return learner;
  }

  /** Scores the batch with the current model, then learns from it. Synchronous: one read-back per batch. */
  step(input: LearnInput): StepResult {
    const { size, width } = input;
    const chunk = input.stepSamples ?? this.updateBatchSize;
    // The batch's features (never its labels) update the statistics. `standardizeBy: batch`: before the batch is
    // scored and learned. `record`: the batch is scored with the statistics as they stood before it (the model as
    // it was published), and the steps learn each row standardized with the statistics up to that row.
    const standardizer = this.m.standardizer;
    let learnFeatures: Float32Array | undefined;
    let scored: Float32Array | undefined;
    if (standardizer && (this.spec.standardizeBy ?? DEFAULT_STANDARDIZE_BY) === 'record') {
      scored = standardizer.transform(input.features, size);
      learnFeatures = standardizer.updateEach(input.features, size);
    } else if (standardizer) {
      standardizer.update(input.features, size);
      scored = standardizer.transform(input.features, size);
      // Before the statistics may be served, the steps still learn the rows standardized with them.
      if (standardizer.samples < standardizer.minSamples) learnFeatures = standardizer.learningTransform(input.features, size);
    }
    let batch = scored ? { ...input, features: scored } : input;
    // Target scaling: the outputs are mapped back with the statistics before the batch, which then takes in its
    // labels; the model learns the labels standardized with them. Metrics and errors are in target units.
    const labels = input.labels;
    const targetScaler = this.m.targetScaler;
    const before = targetScaler?.affine();
    if (targetScaler) {
      targetScaler.update(labels);
      batch = { ...batch, labels: targetScaler.scale(labels) };
    }
    const errors = new Float32Array(size);
    // Outside a hold-off the average and the trained weights differ: score both when asked (restartOnLag).
    const compare = this.m.average !== undefined && this.m.average.holdoff === 0 && this.spec.averaging?.restartOnLag === true;
    const selection = this.m.selection;
    let outputs: Float32Array;
    let shortOutputs: Float32Array | undefined;
    let trainedOutputs: Float32Array | undefined;
    let loss: number;
    let applied: boolean;
    const typed = this.typedTrainer();
    const servings = this.m.average && this.servingVariables ? [{ variables: this.servingVariables, stepper: this.m.average }] : [];
    if (selection && this.shortVariables && servings.length) servings.push({ variables: this.shortVariables, stepper: selection.average });
    if (typed && (chunk < size || typed.wholeBatch(size))) {
      // Scored and learned in typed arrays, whose state the trainer holds until something else needs the variables.
      const r = typed.run({
        features: batch.features,
        ...(learnFeatures ? { learnFeatures } : {}),
        labels: batch.labels,
        size,
        chunk: Math.min(chunk, size),
        optimizer: this.optimizer,
        clipNorm: this.spec.optimizer.clipNorm,
        servings,
        score: { trained: compare || selection !== undefined },
      });
      outputs = r.outputs as Float32Array;
      shortOutputs = r.servingOutputs?.[1];
      trainedOutputs = r.trainedOutputs;
      loss = r.loss;
      applied = r.refused === 0;
    } else if (chunk >= size && !learnFeatures) {
      // One step on the whole batch: the training forward pass doubles as the (pre-update) prediction, or with
      // averaging the averaged model's forward pass runs in the same tfjs scope, read back with the loss.
      this.flushTyped();
      ({
        outputs,
        trainedOutputs,
        alsoOutputs: shortOutputs,
        loss,
        applied,
      } = tfjsStep(batch.features, batch.labels, size, width, {
        ...this.tfjsStepOf(true),
        wantTrained: compare || selection !== undefined,
        ...(selection ? { also: { model: selection.serving, dense: this.shortDense } } : {}),
      }));
      if (applied) {
        this.m.average?.update(size);
        selection?.average.update(size);
      }
    } else {
      // Score the whole batch first, then one step per slice: each sample is still learned exactly once.
      this.flushTyped();
      outputs = scoreWith({ model: this.m.serving, dense: this.servingDense }, batch.features, size);
      if (selection) shortOutputs = scoreWith({ model: selection.serving, dense: this.shortDense }, batch.features, size);
      if (compare || selection) trainedOutputs = scoreWith({ model: this.m.model, dense: this.dense }, batch.features, size);
      loss = 0;
      applied = true;
      for (let at = 0; at < size; at += chunk) {
        const end = Math.min(size, at + chunk);
        const rows = (learnFeatures ?? batch.features).subarray(at * width, end * width);
        const r = tfjsStep(rows, batch.labels.subarray(at, end), end - at, width, this.tfjsStepOf(false));
        if (r.applied) {
          this.m.average?.update(end - at);
          selection?.average.update(end - at);
        }
        loss += r.loss * (end - at);
        applied &&= r.applied;
      }
      loss /= size;
    }
    if (before) for (const o of new Set([outputs, shortOutputs, trainedOutputs])) if (o) unscale(o, before);
    const averageOutputs = outputs;
    if (selection && shortOutputs && trainedOutputs) {
      // The weights chosen before this batch score it (prequential); then every candidate's errors update the choice.
      const candidates = [averageOutputs, shortOutputs, trainedOutputs];
      outputs = candidates[selection.selector.choice] as Float32Array;
      selection.selector.add(candidates.map((o) => errorsOf(this.outputKind, o, labels)));
    }
    if (!compare) trainedOutputs = undefined;
    this.metrics.update(outputs, labels, errors);
    this.steps += 1;
    if (!applied) {
      this.updatesRejected += 1;
      this.logger.warn({ step: this.steps, size, loss }, 'update refused: non-finite loss or gradients; weights unchanged');
    }
    const trainedErrors = trainedOutputs ? errorsOf(this.outputKind, trainedOutputs, labels) : undefined;
    return { size, loss, applied, errors, scores: this.scoresOf(outputs, labels), outputs, ...(trainedErrors ? { trainedErrors } : {}) };
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

  /** A tfjs step of the trained weights; with averaging, `wantOutputs` scores the average. */
  private tfjsStepOf(wantOutputs: boolean): TfjsStep {
    const trained = { model: this.m.model, dense: this.dense };
    return {
      trained,
      optimizer: this.optimizer,
      kind: this.outputKind,
      loss: regressionLossOf(this.spec),
      clipNorm: this.spec.optimizer.clipNorm,
      wantOutputs,
      ...(this.m.average ? { serving: { model: this.m.serving, dense: this.servingDense } } : {}),
    };
  }

  /**
   * Predictions of the live model (the weights that predict: the average, or the selector's choice) for row-major raw features, computed by
   * tfjs-layers as any tfjs loader of the published `model.json` computes them, to the last bit. With
   * `model.standardize` the features are standardized first, and with `model.targetScaling` the outputs mapped
   * back to target units; the published files fold both into their first and last layers, so a loader agrees to
   * rounding (tests: 1e-4).
   */
  predict(raw: Float32Array, size: number): Float32Array {
    this.flushTyped();
    const features = this.m.standardizer ? this.m.standardizer.transform(raw, size) : raw;
    const live = this.liveModel();
    const out = tf.tidy(() => (live.predict(tf.tensor2d(features, [size, features.length / size])) as tf.Tensor).dataSync() as Float32Array);
    return this.m.targetScaler ? unscale(Float32Array.from(out), this.m.targetScaler.affine()) : out;
  }

  /** The weights that predict and are published: the average, or with `model.averaging.select` the chosen candidate. */
  private liveModel(): tf.LayersModel {
    const s = this.m.selection;
    if (!s) return this.m.serving;
    const k = s.selector.choice;
    return k === 0 ? this.m.serving : k === 1 ? s.serving : this.m.model;
  }

  /**
   * Weights and optimizer slots, detached from tensors, with the learner state. Refuses to return a model with
   * non-finite weights. `inMemory`: a copy that is never persisted (a hedged adapt period's), which keeps even a
   * regression model's per-sample selector window.
   */
  async snapshot(options: { inMemory?: boolean } = {}): Promise<ModelSnapshot & { learner: LearnerState }> {
    this.flushTyped();
    const artifacts = await publishedArtifacts(this.liveModel(), this.m.standardizer, this.m.targetScaler);
    if (!allFinite(artifacts.weightSpecs, artifacts.weightData)) {
      throw new UpdateRejectedError('The model has non-finite weights; refusing to checkpoint it');
    }
    // Per-sample errors are kept for classifiers (0/1); for regression only on opt-in: the error of a model predicting 0 is the label.
    const learner = learnerStateOf(this.m, this.outputKind !== 'regression' || this.regressionErrors || options.inMemory === true);
    const named = await this.optimizer.getWeights();
    const packed = await packTensors(named);
    // getWeights() returns the live slot variables plus a fresh iteration-count tensor: dispose only the latter.
    named.forEach((n) => {
      if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
    });
    return {
      ...artifacts,
      optimizer: { className: this.optimizer.getClassName(), config: { ...this.optimizer.getConfig(), learningRate: this.baseLearningRate }, ...packed },
      learner,
    };
  }

  /**
   * The prequential metrics, rejected updates, and with weight averaging the samples left in its hold-off
   * (`average_holdoff`: above 0, the trained weights predict and are what a version publishes).
   */
  liveMetrics(): MetricValues {
    const s = this.m.selection;
    return {
      ...this.metrics.values(),
      updates_rejected: this.updatesRejected,
      ...(this.m.average ? { average_holdoff: this.m.average.holdoff } : {}),
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
    return this.m.average !== undefined;
  }

  /** Samples left before the weight average starts again after a restart (0 without averaging). */
  get averageHoldoff(): number {
    return this.m.average?.holdoff ?? 0;
  }

  /** Restarts the weight average from the trained weights (after a drift); no-op without averaging. */
  restartAverage(): void {
    this.flushTyped();
    this.m.average?.restart();
    this.m.selection?.average.restart();
  }

  dispose(): void {
    this.typed?.release();
    if (this.m.serving !== this.m.model) this.m.serving.dispose();
    this.m.selection?.serving.dispose();
    this.m.model.dispose();
    this.optimizer.dispose();
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
      this.logger.warn(
        { saved: state.className, configured: this.optimizer.getClassName() },
        'optimizer type changed since the checkpoint: starting with fresh optimizer slots',
      );
      return;
    }
    const named = unpackTensors(state.tensors, state.data);
    await this.optimizer.setWeights(named);
    named.forEach((n) => n.tensor.dispose());
  }
}
