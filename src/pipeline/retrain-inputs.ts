import type { FeatureSpec, InputConfig, StreamtrainConfig } from '../core/index.js';
import { ConfigError, inputWidth } from '../core/index.js';
import { stableJson, type StoredModelSpec } from './model-fit.js';

/**
 * How one decoded row serves both models of a race: the candidate's features come first (its own input vector,
 * columns `[0, candidateWidth)`), then the live model's features the candidate does not share; `liveColumns`
 * picks the live model's input vector out of a row. The source decodes each record once, with `input`.
 */
export interface RaceInputs {
  readonly input: InputConfig;
  readonly width: number;
  readonly candidateWidth: number;
  readonly liveColumns: Int32Array;
}

/**
 * The decoding of a retrain: the new config's input plus whatever fields the live model reads besides. Both
 * models must predict the same label; a field both read must be encoded the same way (the row holds one copy).
 * @throws ConfigError naming `input.label` or `input.features` otherwise.
 */
export function raceInputs(config: StreamtrainConfig, live: StoredModelSpec): RaceInputs {
  const ours = config.input;
  if (
    stableJson(ours.label) !== stableJson(live.input.label) ||
    config.model.task !== live.model.task ||
    (config.model.task === 'classification' && classesOf(config.model) !== classesOf(live.model))
  )
    throw new ConfigError(
      'input.label',
      `The live model predicts \`${live.input.label.field}\` (${live.model.task}, ${classesOf(live.model)} classes) and this config \`${ours.label.field}\` ` +
        `(${config.model.task}, ${classesOf(config.model)} classes): a retrain races two models on the same label; keep \`input.label\`, the task and the classes`,
    );
  const features: FeatureSpec[] = [...ours.features];
  const candidateWidth = inputWidth(ours.features);
  const liveColumns: number[] = [];
  for (const f of live.input.features) {
    let at = features.findIndex((g) => g.field === f.field);
    if (at >= 0 && stableJson(features[at]) !== stableJson(f))
      throw new ConfigError(
        'input.features',
        `The live model reads \`${f.field}\` as ${stableJson(f)} and this config as ${stableJson(features[at])}: a retrain decodes each record once, ` +
          'so a field both models read must be encoded the same way; give the new encoding its own field, or change one thing at a time',
      );
    if (at < 0) {
      features.push(f);
      at = features.length - 1;
    }
    const from = inputWidth(features.slice(0, at));
    for (let c = from; c < from + inputWidth([f]); c++) liveColumns.push(c);
  }
  return { input: { ...ours, features }, width: inputWidth(features), candidateWidth, liveColumns: Int32Array.from(liveColumns) };
}

/** A binary classifier is 2 classes whatever the spec says (`logistic` ignores `classes`). */
function classesOf(m: Pick<StoredModelSpec['model'], 'type' | 'classes'>): number {
  return m.type === 'logistic' ? 2 : m.classes;
}

/** The columns `cols` of `size` rows of `width` values, row-major. */
export function pickColumns(rows: Float32Array, size: number, width: number, cols: Int32Array): Float32Array {
  const out = new Float32Array(size * cols.length);
  for (let i = 0; i < size; i++) for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = rows[i * width + (cols[j] as number)] as number;
  return out;
}
