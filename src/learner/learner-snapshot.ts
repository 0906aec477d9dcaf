import type { ModelSnapshot } from '../core/index.js';
import { UpdateRejectedError } from '../core/index.js';
import { LEARNER_STATE_FORMAT, saveWeights, type LearnerState } from './learner-state.js';
import type { LearnerModels } from './learner-setup.js';
import { saveModelArtifacts } from './snapshot.js';
import { foldIntoDense, type Standardizer } from './standardizer.js';
import { foldIntoOutput, type TargetScaler } from './target-scaler.js';
import type { tf } from './tf.js';

/**
 * The learner state of a snapshot: the trained weights and the averages' bookkeeping (with averaging), the
 * unfolded weights and the standardizer (with `model.standardize`), both averages' weights and the selector
 * (with `model.averaging.select`; the selector's window only when `withSelector`). Refuses non-finite trained weights.
 */
export function learnerStateOf(m: LearnerModels, withSelector: boolean): LearnerState {
  const s = m.selection;
  if (m.average && !m.model.weights.every((w) => finite(w.read())))
    throw new UpdateRejectedError('The model has non-finite trained weights; refusing to checkpoint it');
  const trained = m.average ? saveWeights(m.model.weights) : undefined;
  return {
    formatVersion: LEARNER_STATE_FORMAT,
    ...(trained ? { trained } : {}),
    ...(m.standardizer || m.targetScaler ? { unfolded: saveWeights(m.serving.weights) } : {}),
    ...(m.average ? { average: { mass: m.average.mass, holdoff: m.average.holdoff, ...(s ? { weights: saveWeights(m.serving.weights) } : {}) } } : {}),
    ...(s ? { short: { mass: s.average.mass, holdoff: s.average.holdoff, weights: saveWeights(s.serving.weights) } } : {}),
    ...(s && withSelector ? { selector: s.selector.state() } : {}),
    ...(m.standardizer ? { standardizer: m.standardizer.state() } : {}),
    ...(m.targetScaler ? { targetScaler: m.targetScaler.state() } : {}),
  };
}

/**
 * The weights that predict (`live`), as the standard model.json + weights.bin; with standardization folded into
 * the first Dense layer, so that the files take raw features, and with target scaling its inverse folded into the
 * last one, so that they give target units.
 */
export async function publishedArtifacts(
  live: tf.LayersModel,
  standardizer: Standardizer | undefined,
  targetScaler?: TargetScaler,
): Promise<Pick<ModelSnapshot, 'topology' | 'weightSpecs' | 'weightData'>> {
  const artifacts = await saveModelArtifacts(live);
  if (!standardizer && !targetScaler) return artifacts;
  const data = artifacts.weightData.slice(0);
  if (standardizer) {
    const { kernel, bias } = denseAt(artifacts.weightSpecs, data, 0, standardizer.width, 'model.standardize', 'first');
    const [shift, scale] = standardizer.affine();
    const f = foldIntoDense(kernel, bias, shift, scale);
    kernel.set(f.kernel);
    bias.set(f.bias);
  }
  if (targetScaler) {
    const last = artifacts.weightSpecs.length - 2;
    const { kernel, bias } = denseAt(artifacts.weightSpecs, data, last, undefined, 'model.targetScaling', 'last');
    const f = foldIntoOutput(kernel, bias, targetScaler.affine());
    kernel.set(f.kernel);
    bias.set(f.bias);
  }
  return { ...artifacts, weightData: data };
}

/** Views on the Dense kernel and bias at weight spec `at` (and `at + 1`) of the float32 weight data. */
function denseAt(
  specs: ModelSnapshot['weightSpecs'],
  data: ArrayBuffer,
  at: number,
  width: number | undefined,
  setting: string,
  which: string,
): { kernel: Float32Array; bias: Float32Array } {
  const [kernelSpec, biasSpec] = [specs[at], specs[at + 1]];
  const inputs = kernelSpec?.shape[0] ?? 0;
  const units = kernelSpec?.shape[1] ?? 0;
  const float = specs.every((s) => s.dtype === 'float32');
  if (
    at < 0 ||
    !float ||
    !kernelSpec ||
    kernelSpec.shape.length !== 2 ||
    (width !== undefined && inputs !== width) ||
    biasSpec?.shape.length !== 1 ||
    biasSpec.shape[0] !== units
  ) {
    throw new UpdateRejectedError(`${setting}: the ${which} weights of the model are not a Dense kernel and bias; cannot fold the scaling into them`);
  }
  const offset = specs.slice(0, at).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0) * 4;
  return { kernel: new Float32Array(data, offset, inputs * units), bias: new Float32Array(data, offset + inputs * units * 4, units) };
}

function finite(t: tf.Tensor): boolean {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i] as number)) return false;
  return true;
}
