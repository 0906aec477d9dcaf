import type { ModelSnapshot, TensorSpec } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';
import type { HorizonSelectorState } from './horizon-selector.js';
import type { LearnerState, ReadLearnerState, SavedAverage, SavedTensor } from './learner-state.js';
import type { StandardizerState } from './standardizer.js';

/**
 * Format 1 of the learner state, written before it had its own object (up to commit 9a97393): the learner's
 * weight sets travelled as optimizer tensors named `<prefix><index>/<weight name>`, in model order, and its
 * bookkeeping as extra keys of the optimizer config. Read only; test/fixtures/learner/legacy-checkpoint.json is
 * one such checkpoint.
 */
const TRAINED = 'streamtrain.trained/';
const UNFOLDED = 'streamtrain.unfolded/';
const AVERAGE = 'streamtrain.average/';
const SHORT = 'streamtrain.short/';
const PREFIXES = [TRAINED, UNFOLDED, AVERAGE, SHORT];
/** Optimizer config keys that were the learner's. */
const LEARNER_KEYS: readonly string[] = ['averageMass', 'averageHoldoff', 'shortAverageMass', 'shortAverageHoldoff', 'selector', 'standardizer'];

interface LegacyConfig {
  readonly averageMass?: unknown;
  readonly averageHoldoff?: unknown;
  readonly shortAverageMass?: unknown;
  readonly shortAverageHoldoff?: unknown;
  readonly selector?: HorizonSelectorState;
  readonly standardizer?: StandardizerState;
}

/** The learner state of a format-1 snapshot, and its optimizer snapshot without what was the learner's. */
export function readLegacyLearnerState(optimizer: ModelSnapshot['optimizer']): ReadLearnerState {
  const config = (optimizer.config ?? {}) as LegacyConfig & Record<string, unknown>;
  const weights = (prefix: string) => {
    const specs = optimizer.tensors.filter((t) => t.name.startsWith(prefix));
    return specs.length ? specs.map((t) => savedTensor(t, optimizer.data)) : undefined;
  };
  const trained = weights(TRAINED);
  const unfolded = weights(UNFOLDED);
  const averageWeights = weights(AVERAGE);
  const shortWeights = weights(SHORT);
  const hasAverage = 'averageMass' in config || 'averageHoldoff' in config || averageWeights !== undefined;
  const average: SavedAverage | undefined = hasAverage
    ? { mass: config.averageMass as number, holdoff: config.averageHoldoff as number, ...(averageWeights ? { weights: averageWeights } : {}) }
    : undefined;
  const short: SavedAverage | undefined = shortWeights
    ? { mass: config.shortAverageMass as number, holdoff: config.shortAverageHoldoff as number, weights: shortWeights }
    : undefined;
  const learner: LearnerState = {
    formatVersion: 2,
    ...(trained ? { trained } : {}),
    ...(unfolded ? { unfolded } : {}),
    ...(average ? { average } : {}),
    ...(short ? { short } : {}),
    ...(config.selector !== undefined ? { selector: config.selector } : {}),
    ...(config.standardizer !== undefined ? { standardizer: config.standardizer } : {}),
  };
  const optimizerConfig = Object.fromEntries(Object.entries(config).filter(([key]) => !LEARNER_KEYS.includes(key)));
  return {
    learner,
    optimizer: { ...optimizer, config: optimizerConfig, tensors: optimizer.tensors.filter((t) => !PREFIXES.some((p) => t.name.startsWith(p))) },
  };
}

function savedTensor(t: TensorSpec, data: ArrayBuffer): SavedTensor {
  if (t.byteOffset + t.byteLength > data.byteLength) throw new CheckpointIntegrityError(`Optimizer tensor ${t.name} lies outside the state blob`);
  return { shape: [...t.shape], dtype: t.dtype, data: Buffer.from(data, t.byteOffset, t.byteLength).toString('base64') };
}
