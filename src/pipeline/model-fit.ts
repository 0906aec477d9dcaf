import type { FeatureSpec, InputConfig, Manifest, ModelConfig, StreamtrainConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';

/** What a manifest's `modelSpec` holds: the model section and the input's features, label and missing policy. */
export interface StoredModelSpec {
  readonly model: Pick<ModelConfig, 'type' | 'task' | 'classes'> & Partial<Pick<ModelConfig, 'hiddenUnits' | 'modelPath'>>;
  readonly input: Pick<InputConfig, 'label' | 'missing'> & { readonly features: readonly FeatureSpec[] };
}

/** The model spec a service writes into every manifest. */
export function modelSpecOf(config: StreamtrainConfig): StoredModelSpec {
  return { model: config.model, input: { features: config.input.features, label: config.input.label, missing: config.input.missing } };
}

/** JSON with object keys sorted: two specs parsed by different releases compare equal when their values are. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The architecture a spec builds, in words: `mlp [64], 2 classes` or `logistic`. */
export function describeArchitecture(m: StoredModelSpec['model']): string {
  const hidden = m.type === 'mlp' && m.hiddenUnits ? ` [${m.hiddenUnits.join(', ')}]` : '';
  const classes = m.task === 'classification' && m.type !== 'logistic' ? `, ${m.classes} classes` : '';
  return `${m.type}${hidden}${classes}`;
}

function architectureKey(m: StoredModelSpec['model']): string {
  return stableJson({ type: m.type, task: m.task, classes: m.classes, hiddenUnits: m.type === 'mlp' ? m.hiddenUnits : undefined, modelPath: m.modelPath });
}

/**
 * Refuses to continue a checkpoint whose architecture or features differ from the config's: such a version was
 * made with another config of the same model, typically a major published by `streamtrain retrain` while this
 * instance still runs the config from before. Continuing it would train one model under another's settings;
 * the fix is to run the config the checkpoint was made with. A manifest without a spec (written before specs
 * were kept) is let through.
 * @throws ConfigError naming `model` or `input.features` and the fix.
 */
export function assertCheckpointFits(config: StreamtrainConfig, manifest: Pick<Manifest, 'version' | 'modelSpec' | 'retrain'>): void {
  const stored = manifest.modelSpec as Partial<StoredModelSpec> | undefined;
  if (!stored?.model || !stored.input) return;
  const ours = modelSpecOf(config);
  const made = manifest.retrain ? ` (made by \`streamtrain retrain\`, from ${manifest.retrain.from})` : '';
  const fix =
    'run this instance with the config that version was made with (after a retrain: roll out the config given to `streamtrain retrain`), ' +
    'or give this config its own `model.name`';
  if (architectureKey(stored.model) !== architectureKey(ours.model))
    throw new ConfigError(
      'model',
      `Version ${manifest.version} of ${config.model.name}${made} is a ${describeArchitecture(stored.model)} model, but this config builds ${describeArchitecture(ours.model)}: ${fix}`,
    );
  if (stableJson(stored.input.features) !== stableJson(ours.input.features))
    throw new ConfigError(
      'input.features',
      `Version ${manifest.version} of ${config.model.name}${made} reads the features ${stored.input.features.map((f) => f.field).join(', ')} encoded as its manifest says, but this config lists ${ours.input.features.map((f) => f.field).join(', ')} differently: ${fix}`,
    );
}
