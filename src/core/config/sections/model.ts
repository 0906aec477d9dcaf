import { z } from 'zod';
import { always, bool, int, num, oneOf, optionalSection, str } from '../fields.js';

export const MODEL_TYPES = ['auto', 'logistic', 'softmax', 'mlp', 'linear', 'custom'] as const;
const OPTIMIZER_TYPES = ['sgd', 'momentum', 'adam', 'adagrad', 'rmsprop'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `model.averaging.holdoff` when the config does not say: 6% of the horizon, rounded. */
export function defaultAveragingHoldoff(horizon: number): number {
  return Math.round(horizon * 0.06);
}

/** `model.maxLiveModels` and `model.maxKeysPerPartition` when the config does not say. */
export const DEFAULT_MAX_LIVE_MODELS = 256;
export const DEFAULT_MAX_KEYS_PER_PARTITION = 10_000;

/**
 * A member of `type: auto`'s pool: hidden layer sizes (none: the linear model) and, optionally, its own optimizer
 * and averaging where they differ from the model's. `name` identifies it in metrics, logs and checkpoints.
 */
export interface PoolMember {
  readonly name: string;
  readonly hidden: readonly number[];
  /** Fields that replace the model's `optimizer` for this member. */
  readonly optimizer?: { readonly type?: (typeof OPTIMIZER_TYPES)[number]; readonly learningRate?: number };
  /** `false`: this member predicts and publishes its trained weights, without weight averaging. */
  readonly averaging?: boolean;
}

/** What a member may be written as: hidden layer sizes alone, or the object form. */
export type PoolMemberInput = readonly number[] | (Omit<PoolMember, 'name'> & { readonly name?: string });

/**
 * A member's name: `name` when given, else `linear` or `mlp-64-32` from its hidden layers, followed by its own
 * optimizer (`-sgd`), learning rate (`-lr0.1`) and `-plain` without averaging, e.g. `linear-sgd-plain`.
 */
export function poolMemberName(m: PoolMemberInput): string {
  if (isHiddenList(m)) return m.length === 0 ? 'linear' : `mlp-${m.join('-')}`;
  if (m.name !== undefined) return m.name;
  const parts = [poolMemberName(m.hidden)];
  if (m.optimizer?.type !== undefined) parts.push(m.optimizer.type);
  if (m.optimizer?.learningRate !== undefined) parts.push(`lr${m.optimizer.learningRate}`);
  if (m.averaging === false) parts.push('plain');
  return parts.join('-');
}

function isHiddenList(m: PoolMemberInput): m is readonly number[] {
  return Array.isArray(m);
}

/** The object form of a member (a spec built in code may list hidden layer sizes only). */
export function poolMember(m: PoolMemberInput): PoolMember {
  if (isHiddenList(m)) return { name: poolMemberName(m), hidden: [...m] };
  return { ...m, name: poolMemberName(m), hidden: [...m.hidden] };
}

/**
 * `model.pool.members` when the config does not say. Classification: a linear model learning by plain SGD without
 * averaging (`linear-sgd-plain`), a linear model with the model's optimizer and averaging, and MLPs of 16 and 64
 * units; regression: `linear-sgd-plain` and an MLP of 64 units. See docs/decisions/.
 */
export function defaultPoolMembers(task: 'classification' | 'regression'): PoolMember[] {
  const plain = { hidden: [], optimizer: { type: 'sgd' as const }, averaging: false };
  if (task === 'regression') return [plain, [64]].map(poolMember);
  return [plain, [], [16], [64]].map(poolMember);
}

/** How `model.standardize` moves its statistics when `model.standardizeBy` is not set. See docs/decisions/. */
export const DEFAULT_STANDARDIZE_BY = 'record' as const;

/** `model.pool` of a spec built in code without one (the parsed config always has it). */
export function defaultPool(task: 'classification' | 'regression') {
  return { members: defaultPoolMembers(task), window: 500, margin: 0.02 };
}

const hiddenList = z.array(int(1, 65_536), { error: 'to be a list of hidden layer sizes, e.g. `[64]`, or `[]` for the linear model' }).max(3);
const memberObject = z.strictObject(
  {
    name: str()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { error: 'to use only letters, digits, `_` and `-` (at most 64), starting with a letter' })
      .optional(),
    hidden: hiddenList.default([]),
    optimizer: z.strictObject({ type: oneOf(OPTIMIZER_TYPES).optional(), learningRate: num(0, 10, true).optional() }).optional(),
    averaging: bool().optional(),
  },
  { error: 'to be a member: `{ hidden: [64], optimizer: { type: sgd, learningRate: 0.01 }, averaging: false }` (every field optional)' },
);
const poolMemberSchema = z.union([hiddenList, memberObject], {
  error: 'to be a list of hidden layer sizes, e.g. `[64]` (`[]` the linear model), or `{ hidden: [64], optimizer: { type: sgd }, averaging: false }`',
});

export const poolSchema = optionalSection({
  members: z
    .array(poolMemberSchema, {
      error: 'to be a list of members, each a list of hidden layer sizes, e.g. `[[], [64]]`',
    })
    .min(1, { error: 'to list at least one member, e.g. `[[], [64]]`' })
    .max(4, { error: 'to list at most 4 members: every member learns every sample' })
    .superRefine((members, ctx) => {
      const seen = new Map<string, number>();
      members.forEach((m, i) => {
        const name = poolMemberName(m);
        const first = seen.get(name);
        if (first !== undefined)
          ctx.addIssue({ code: 'custom', path: [i], message: `\`{path}\` has the name \`${name}\` of member ${first}; give each member its own \`name\`` });
        else seen.set(name, i);
      });
    })
    .transform((members) => members.map(poolMember))
    .optional()
    .meta({
      description:
        'With `type: auto`: the members that learn side by side. A member is the hidden layer sizes of an MLP (`[]` the linear model: logistic, softmax or linear regression), or `{ hidden, optimizer: { type, learningRate }, averaging: false, name }` for a member that learns with its own optimizer or without weight averaging. Every member learns every sample, so the cost is the members together. See docs/decisions/.',
      defaultText:
        '`[{ hidden: [], optimizer: { type: sgd }, averaging: false }, [], [16], [64]]`; for regression `[{ hidden: [], optimizer: { type: sgd }, averaging: false }, [64]]`',
    }),
  window: int(10, 1_000_000).default(500).describe("With `type: auto`: samples over which the members' recent errors are compared."),
  margin: num(0, 1)
    .default(0.02)
    .describe(
      "With `type: auto`: another member takes over serving when its errors over `window` are lower than the serving one's by more than this fraction; a switch is a new major version.",
    ),
}).describe('`type: auto`: a pool of models of different sizes; the one with the fewest recent errors serves and is published.');

/** `model.averaging.horizon` when the config does not say. */
export const DEFAULT_AVERAGING_HORIZON = 1000;

export const optimizerSchema = optionalSection({
  type: oneOf(OPTIMIZER_TYPES).default('adam').describe('The gradient optimizer.'),
  learningRate: num(0, 10, true).default(0.01).describe('Step size of the optimizer.'),
  clipNorm: num(0, undefined, true).default(10).describe('Gradients whose global norm exceeds this are scaled down to it; guards against exploding updates.'),
}).describe('How the model takes its gradient steps.');

/**
 * The averaging a model spec carries. The parsed config fills every field; `holdoff`, `warmup` and `select` are
 * optional in the type because a spec built in code (the learner's tests, the studies) may leave them out and
 * then gets the same defaults from the learner.
 */
export interface AveragingConfig {
  readonly horizon: number;
  readonly holdoff?: number;
  readonly warmup?: number;
  readonly restartOnDrift: boolean;
  readonly restartOnLag: boolean;
  readonly select?: boolean;
}

export const averagingSchema = optionalSection({
  horizon: int(0, 100_000_000)
    .default(DEFAULT_AVERAGING_HORIZON)
    .describe('Samples the average reaches back (each sample discounts the past by 1 - 1/horizon); 0 turns averaging off. See docs/decisions/.'),
  holdoff: int(0, 100_000_000).optional().meta({
    description: 'Samples the trained weights predict alone, for a new model and after each restart, before averaging starts over. See docs/decisions/.',
    defaultText: '6% of `horizon`, rounded (60)',
  }),
  warmup: int(0, 100_000_000)
    .optional()
    .meta({ description: 'The hold-off of a new model (one that starts from scratch: the first start, a challenger).', defaultText: '`holdoff`' }),
  restartOnDrift: bool()
    .default(true)
    .describe('When a detector sees the error rise, restart the average: the trained weights predict alone for `holdoff` samples. See docs/decisions/.'),
  restartOnLag: bool()
    .default(false)
    .describe(
      'Restart the average when a paired test at the end of each block of horizon / 2 samples finds that the trained weights predicted better. Costs one more forward pass per batch.',
    ),
  select: bool()
    .default(true)
    .describe(
      'Keep a second, shorter average (horizon x 0.3); whichever of the three weight sets erred least over the last horizon / 2 samples predicts and is published. See docs/decisions/.',
    ),
})
  .transform((a): AveragingConfig => {
    const holdoff = a.holdoff ?? defaultAveragingHoldoff(a.horizon);
    return { horizon: a.horizon, holdoff, warmup: a.warmup ?? holdoff, restartOnDrift: a.restartOnDrift, restartOnLag: a.restartOnLag, select: a.select };
  })
  .describe('Weight averaging: the model that predicts and is published is an exponential moving average of the trained weights.');

export const modelSchema = optionalSection({
  name: str('give the model a name, e.g. `model: { name: fraud-scorer }`')
    .regex(NAME, { error: 'to use only letters, digits, `.`, `_` and `-` (at most 128)' })
    .describe('Name of the model: prefix in the store, key of its version events. Letters, digits, `-`, `_`, `.`.'),
  type: oneOf(MODEL_TYPES)
    .default('auto')
    .describe(
      'The model: `auto` (a pool of a linear model and MLPs learning side by side, the best of them serving: `pool`), a built-in one, or `custom` (a tfjs LayersModel at `modelPath`).',
    ),
  hiddenUnits: z
    .array(int(1, 65_536), { error: 'to be a non-empty list of integers >= 1, e.g. `[64]`' })
    .min(1, { error: 'to be a non-empty list of integers >= 1, e.g. `[64]`' })
    .default([64])
    .describe('Hidden layer sizes for `mlp`.'),
  pool: poolSchema,
  classes: int(2, 100_000).default(2).describe('Number of classes for `softmax` (and `mlp` classifiers).'),
  task: oneOf(['classification', 'regression']).optional().meta({
    description: 'What the model predicts; fixed by `type` unless `auto`, `mlp` or `custom`.',
    defaultText: '`regression` for `linear`, else `classification`',
  }),
  modelPath: str().optional().describe('Path of a tfjs LayersModel `model.json` for `custom`, relative to the config file.'),
  optimizer: optimizerSchema,
  l2: num(0, 1).default(0).describe('L2 penalty on kernels.'),
  seed: int(0).default(42).describe('Seed of the weight initializers, so that two runs on the same stream give the same model.'),
  averaging: averagingSchema,
  standardize: bool().optional().meta({
    description: 'Online standardization of the inputs by their running mean and standard deviation, folded into the published weights. Built-in models only.',
    defaultText: '`true`, `false` for `custom`',
  }),
  standardizeBy: oneOf(['batch', 'record']).optional().meta({
    description:
      'With `standardize`: `batch` updates the statistics with a micro-batch, then scores and learns it with them; `record` scores the micro-batch with the statistics as they stood before it (as a loader of the last version predicts) and learns each row standardized with the statistics of the records up to it (as a learner taking one record at a time sees them). See docs/decisions/.',
    defaultText: '`record`',
  }),
  targetScaling: bool().optional().meta({
    description:
      "Regression: learn on the target standardized by its running mean and standard deviation (updated after each batch is scored), folded back into the published weights' last layer, so that `model.json` predicts in the target's units and the intercept starts at the running mean. Needs a last Dense layer with a bias.",
    defaultText: '`true` for regression; refused for classification',
  }),
  loss: oneOf(['squared', 'huber']).optional().meta({
    description:
      'Regression loss: `squared` for ordinary noise; `huber` for heavy-tailed targets (squared within `huberDelta` of the target, linear beyond it, so outliers pull with a bounded force).',
    defaultText: '`squared`',
  }),
  huberDelta: num(0, undefined, true).optional().meta({
    description: 'With `loss: huber`: where the loss turns linear, in standard deviations of the target (with `targetScaling`) or target units.',
    defaultText: '1',
  }),
  partitionBy: str()
    .optional()
    .describe(
      "Learn one model per value of this record field (a tenant, a region). Records must be produced with this value as their Kafka key; each partition holds its keys' models, and partitions spread over instances. See docs/deployment.md.",
    ),
  maxLiveModels: int(1, 1_000_000)
    .default(DEFAULT_MAX_LIVE_MODELS)
    .describe('With `partitionBy`: keyed models held in memory per instance; beyond it the least recently used are checkpointed and evicted.'),
  maxKeysPerPartition: int(1, 10_000_000)
    .default(DEFAULT_MAX_KEYS_PER_PARTITION)
    .describe('With `partitionBy`: models one partition may hold; records of further keys go to the dead-letter topic with reason `key-limit`.'),
})
  .superRefine((m, ctx) => {
    const type = m.type as string;
    const defaultTask = type === 'linear' ? 'regression' : 'classification';
    const builtIn = (MODEL_TYPES as readonly string[]).includes(type) && type !== 'custom' && type !== 'auto';
    // An `mlp` may be a classifier (the default) or a regression model (`task: regression`, a linear output).
    if (builtIn && type !== 'mlp' && m.task !== undefined && m.task !== defaultTask) {
      ctx.addIssue({ code: 'custom', path: ['task'], message: `\`{path}\` is fixed by \`model.type: ${type}\`; remove it or use \`type: custom\`` });
    }
    const task = m.task ?? defaultTask;
    for (const key of ['targetScaling', 'loss', 'huberDelta'] as const) {
      if (task !== 'regression' && m[key] !== undefined && !(key === 'targetScaling' && m[key] === false)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: '`{path}` applies to regression models (`type: linear`, or `task: regression`); remove it for a classifier',
        });
      }
    }
    if (m.huberDelta !== undefined && m.loss !== 'huber') {
      ctx.addIssue({ code: 'custom', path: ['huberDelta'], message: '`{path}` is used only with `model.loss: huber`; set the loss or remove it' });
    }
    if (type === 'custom' && m.modelPath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['modelPath'], message: 'Missing `{path}`: a `custom` model needs the path of its tfjs `model.json`' });
    }
    if (type === 'custom' && m.standardize === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['standardize'],
        message:
          '`{path}` works with the built-in model types, whose first layer it folds into the published weights; for a `custom` model scale the features with `input.features[].scale`',
      });
    }
  }, always)
  .transform((m) => {
    const task = m.task ?? (m.type === 'linear' ? ('regression' as const) : ('classification' as const));
    return {
      ...m,
      task,
      standardize: m.standardize ?? m.type !== 'custom',
      standardizeBy: m.standardizeBy ?? DEFAULT_STANDARDIZE_BY,
      pool: { ...m.pool, members: m.pool.members ?? defaultPoolMembers(task) },
    };
  })
  .describe('The model that learns.');
