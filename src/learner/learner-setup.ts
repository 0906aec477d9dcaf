import type { Logger, ModelConfig, ModelSnapshot } from '../core/index.js';
import { ConfigError, defaultAveragingHoldoff } from '../core/index.js';
import { DenseGradients } from './dense-gradients.js';
import { loadModelFile } from './file-model.js';
import { HorizonSelector } from './horizon-selector.js';
import { averageBookkeeping, loadWeights, type LearnerState } from './learner-state.js';
import { buildModel, inputWidthOf } from './models.js';
import { loadModelArtifacts, saveModelArtifacts } from './snapshot.js';
import { Standardizer } from './standardizer.js';
import { foldIntoOutput, TargetScaler, targetScalingOf } from './target-scaler.js';
import { tf } from './tf.js';
import { WeightAverage } from './weight-average.js';

/** The shorter average's horizon, as a fraction of `model.averaging.horizon`. */
const SHORT_HORIZON_FRACTION = 0.3;

/** `model.averaging.select`: the shorter average, in its own model, and the selector among the three weight sets. */
export interface Selection {
  readonly average: WeightAverage;
  readonly serving: tf.LayersModel;
  readonly selector: HorizonSelector;
  /** Horizons of the candidates, in the selector's order: the average, the shorter one, the trained weights (0). */
  readonly horizons: readonly [number, number, number];
}

/** The models and state a learner is made of, new or restored. */
export interface LearnerModels {
  /** The weights the optimizer moves. */
  readonly model: tf.LayersModel;
  /** The weights that predict: `model` itself, or the model holding the average. */
  readonly serving: tf.LayersModel;
  readonly average?: WeightAverage;
  /** `model.standardize`: the running standardization of the inputs. */
  readonly standardizer?: Standardizer;
  /** `model.targetScaling`: the running standardization of a regression target. */
  readonly targetScaler?: TargetScaler;
  /** `model.averaging.select`: the shorter average and the selector. */
  readonly selection?: Selection;
}

/**
 * Builds the learner's models from config (or the user's model.json), or restores them from a snapshot and its
 * learner state. A snapshot's weights are the ones that predicted; the trained ones, when they differ, are in the
 * learner state. With standardization they are published folded (for raw features): the unfolded ones are there too.
 */
export async function setUpModels(
  o: { spec: ModelConfig; inputWidth: number; logger: Logger },
  snapshot?: ModelSnapshot,
  state?: LearnerState,
): Promise<LearnerModels> {
  const { spec } = o;
  let model: tf.LayersModel;
  if (snapshot) model = await loadModelArtifacts(snapshot);
  else if (spec.type === 'custom') model = await loadModelFile(spec.modelPath as string);
  else model = buildModel(spec, o.inputWidth);
  const width = inputWidthOf(model);
  if (width !== o.inputWidth) {
    model.dispose();
    throw new ConfigError('input.features', `The model expects input vectors of width ${width}, but \`input.features\` makes vectors of width ${o.inputWidth}`);
  }
  const standardize = spec.standardize === true;
  const folded = state?.standardizer !== undefined;
  if (snapshot && standardize && !folded)
    o.logger.warn(
      'model.standardize is on but the checkpoint was written without it: its weights were learned on raw features and now see standardized ones until they adapt',
    );
  if (snapshot && !standardize && folded)
    o.logger.warn('model.standardize is off but the checkpoint was written with it: training continues from its published weights, which take raw features');
  // Target scaling: on unless off, or a default that the model cannot take (its last layer is not Dense with a bias).
  let scaleTarget = targetScalingOf(spec);
  if (scaleTarget && !DenseGradients.lastDense(model)) {
    if (spec.targetScaling === true) {
      model.dispose();
      throw new ConfigError('model.targetScaling', 'model.targetScaling needs a model whose last layer is Dense with a bias; set `model.targetScaling: false`');
    }
    o.logger.warn("the model's last layer is not Dense with a bias: learning on the raw target (model.targetScaling off)");
    scaleTarget = false;
  }
  const scaled = state?.targetScaler !== undefined;
  if (snapshot && scaleTarget !== scaled)
    o.logger.warn(
      { targetScaling: scaleTarget, checkpoint: scaled },
      "model.targetScaling differs from the checkpoint's: training continues from its published weights (target units) until they adapt",
    );
  // The unfolded weights fit a learner that standardizes the inputs as the checkpoint's writer did; without them,
  // the published weights (raw features, target units) go on, and a target scaler starts over.
  const unfolded = snapshot && (folded || scaled) && standardize === folded ? loadWeights(state?.unfolded) : [];
  if (unfolded.length && unfolded.length !== model.weights.length)
    throw new ConfigError('model.standardize', `The checkpoint's unfolded weights (${unfolded.length}) do not fit the model (${model.weights.length} weights)`);
  if (unfolded.length) model.setWeights(unfolded);
  // Unfolded weights learned on a scaled target, for a learner without target scaling: the scaling folded in.
  if (unfolded.length && scaled && !scaleTarget && DenseGradients.lastDense(model)) foldTargetInto(model, new TargetScaler(state?.targetScaler).affine());
  const sameTarget = scaleTarget === scaled;
  // Trained weights of a checkpoint written with standardization are on standardized features: unusable without it.
  const trained = snapshot && !(folded && !standardize) && sameTarget ? loadWeights(state?.trained) : [];
  const horizon = spec.averaging?.horizon ?? 0;
  let serving = model;
  let average: WeightAverage | undefined;
  let selection: Selection | undefined;
  if (horizon > 0) {
    serving = snapshot && !unfolded.length ? await loadModelArtifacts(snapshot) : await loadModelArtifacts(await saveModelArtifacts(model));
    // A new model's first iterates are not worth averaging: it starts as after a restart.
    const holdoffLength = spec.averaging?.holdoff ?? defaultAveragingHoldoff(horizon);
    const fresh = { mass: 0, holdoff: snapshot ? 0 : (spec.averaging?.warmup ?? holdoffLength) };
    average = new WeightAverage({
      trained: model.weights,
      averaged: serving.weights,
      horizon,
      ...(trained.length ? averageBookkeeping(state?.average) : fresh),
      holdoffLength,
    });
    if (spec.averaging?.select) {
      // The published weights may be any candidate's: the averages are saved on their own.
      const savedAverage = snapshot && sameTarget ? loadWeights(state?.average?.weights) : [];
      if (savedAverage.length === serving.weights.length) serving.setWeights(savedAverage);
      savedAverage.forEach((t) => t.dispose());
      const shortServing = await loadModelArtifacts(await saveModelArtifacts(serving));
      const savedShort = snapshot && sameTarget ? loadWeights(state?.short?.weights) : [];
      const hasShort = savedShort.length === shortServing.weights.length;
      if (hasShort) shortServing.setWeights(savedShort);
      savedShort.forEach((t) => t.dispose());
      const shortHorizon = Math.max(1, Math.round(horizon * SHORT_HORIZON_FRACTION));
      const shortSaved = trained.length && hasShort ? averageBookkeeping(state?.short) : fresh;
      selection = {
        average: new WeightAverage({ trained: model.weights, averaged: shortServing.weights, horizon: shortHorizon, ...shortSaved, holdoffLength }),
        serving: shortServing,
        selector: new HorizonSelector(3, Math.max(1, Math.floor(horizon / 2)), state?.selector),
        horizons: [horizon, shortHorizon, 0],
      };
    }
  }
  if (trained.length) {
    if (trained.length === model.weights.length) model.setWeights(trained);
    else
      o.logger.warn(
        { saved: trained.length, model: model.weights.length },
        'trained weights in the checkpoint do not fit the model: training continues from the published (averaged) weights',
      );
    trained.forEach((t) => t.dispose());
  }
  unfolded.forEach((t) => t.dispose());
  let standardizer: Standardizer | undefined;
  if (standardize) {
    if (!DenseGradients.firstDense(model)) {
      model.dispose();
      if (serving !== model) serving.dispose();
      selection?.serving.dispose();
      throw new ConfigError('model.standardize', 'model.standardize needs a model whose first layer is Dense (the built-in types)');
    }
    const saved = state?.standardizer;
    standardizer = new Standardizer(width, folded && Standardizer.fits(saved, width) ? saved : undefined);
  }
  const restoreScaler = unfolded.length > 0 && scaled && TargetScaler.fits(state?.targetScaler);
  const targetScaler = scaleTarget ? new TargetScaler(restoreScaler ? state?.targetScaler : undefined) : undefined;
  return {
    model,
    serving,
    ...(average ? { average } : {}),
    ...(standardizer ? { standardizer } : {}),
    ...(targetScaler ? { targetScaler } : {}),
    ...(selection ? { selection } : {}),
  };
}

/** Folds y = z * sd + mean into the model's last Dense layer (its last two weights: kernel and bias). */
function foldTargetInto(model: tf.LayersModel, affine: [number, number]): void {
  const weights = model.getWeights();
  const [kernel, bias] = weights.slice(-2) as [tf.Tensor, tf.Tensor];
  const f = foldIntoOutput(kernel.dataSync() as Float32Array, bias.dataSync() as Float32Array, affine);
  const folded = [tf.tensor(f.kernel, kernel.shape), tf.tensor(f.bias, bias.shape)];
  model.setWeights([...weights.slice(0, -2), ...folded]);
  folded.forEach((t) => t.dispose());
}
