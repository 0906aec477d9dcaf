import type { ModelSnapshot } from '../core/index.js';
import { UpdateRejectedError } from '../core/index.js';
import { LEARNER_STATE_FORMAT, saveWeights, type LearnerState } from './learner-state.js';
import type { LearnerModels } from './learner-setup.js';
import { saveModelArtifacts } from './snapshot.js';
import { foldIntoDense, type Standardizer } from './standardizer.js';
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
    ...(m.standardizer ? { unfolded: saveWeights(m.serving.weights) } : {}),
    ...(m.average ? { average: { mass: m.average.mass, holdoff: m.average.holdoff, ...(s ? { weights: saveWeights(m.serving.weights) } : {}) } } : {}),
    ...(s ? { short: { mass: s.average.mass, holdoff: s.average.holdoff, weights: saveWeights(s.serving.weights) } } : {}),
    ...(s && withSelector ? { selector: s.selector.state() } : {}),
    ...(m.standardizer ? { standardizer: m.standardizer.state() } : {}),
  };
}

/**
 * The weights that predict (`live`), as the standard model.json + weights.bin; with standardization folded into
 * the first Dense layer, so that the files take raw features.
 */
export async function publishedArtifacts(
  live: tf.LayersModel,
  standardizer: Standardizer | undefined,
): Promise<Pick<ModelSnapshot, 'topology' | 'weightSpecs' | 'weightData'>> {
  const artifacts = await saveModelArtifacts(live);
  if (!standardizer) return artifacts;
  const [kernelSpec, biasSpec] = artifacts.weightSpecs;
  const width = standardizer.width;
  const units = kernelSpec?.shape[1] ?? 0;
  if (!kernelSpec || kernelSpec.shape.length !== 2 || kernelSpec.shape[0] !== width || biasSpec?.shape.length !== 1 || biasSpec.shape[0] !== units) {
    throw new UpdateRejectedError(
      'model.standardize: the first weights of the model are not a Dense kernel and bias; cannot fold the standardization into them',
    );
  }
  const data = artifacts.weightData.slice(0);
  const kernel = new Float32Array(data, 0, width * units);
  const bias = new Float32Array(data, width * units * 4, units);
  const [shift, scale] = standardizer.affine();
  const f = foldIntoDense(kernel, bias, shift, scale);
  kernel.set(f.kernel);
  bias.set(f.bias);
  return { ...artifacts, weightData: data };
}

function finite(t: tf.Tensor): boolean {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i] as number)) return false;
  return true;
}
