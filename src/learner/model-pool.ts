import type { Logger, MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import { defaultPool, poolMember, type PoolMember, type PoolMemberInput } from '../core/index.js';
import { HorizonSelector, type HorizonSelectorState } from './horizon-selector.js';
import type { Learner, LearnInput, OnlineLearnerOptions, PoolSwitch, StepResult } from './learner-types.js';
import { PrequentialMetrics } from './metrics.js';
import type { OutputKind } from './models.js';
import { OnlineLearner } from './online-learner.js';
import { snapshotFromJson, snapshotToJson, type SnapshotJson } from './snapshot-json.js';

/** What a pool keeps in a snapshot's learner state: every member whole, which one serves, the recent errors. */
export interface PoolState {
  readonly pool: {
    readonly serving: number;
    readonly members: readonly { readonly name: string; readonly snapshot: SnapshotJson }[];
    readonly selector: HorizonSelectorState;
    readonly switches: number;
    /** Samples since the last switch (absent in checkpoints written before it was kept: a full window). */
    readonly sinceSwitch?: number;
  };
}

/**
 * Standard errors by which a member's mean paired error difference must be below zero for it to take over from
 * the serving member (one-sided, about 0.13% for a normal difference).
 */
export const SWITCH_Z = 3;

/**
 * The spec of a member: the pool's spec with the member's architecture (linear: logistic, softmax or linear
 * regression), its own optimizer fields, and no averaging (`horizon: 0`) when the member says `averaging: false`.
 */
export function memberSpec(spec: ModelConfig, member: PoolMemberInput): ModelConfig {
  const m = poolMember(member);
  const own: Partial<ModelConfig> = {
    ...(m.optimizer ? { optimizer: { ...spec.optimizer, ...m.optimizer } } : {}),
    ...(m.averaging === false ? { averaging: { ...spec.averaging, horizon: 0, restartOnDrift: false, restartOnLag: false } } : {}),
  };
  if (m.hidden.length > 0) return { ...spec, ...own, type: 'mlp', hiddenUnits: [...m.hidden] };
  const type = spec.task === 'regression' ? 'linear' : spec.classes > 2 ? 'softmax' : 'logistic';
  return { ...spec, ...own, type };
}

/**
 * `model.type: auto`: a few models of different capacity (`model.pool.members`: a linear model and MLPs) learn
 * every sample side by side, each test-then-train as a single learner does. The member with the fewest errors
 * over the last `model.pool.window` samples serves: its predictions are the pool's, its weights are what a
 * snapshot publishes (model.json and weights: a downstream loader sees an ordinary model). Another member takes
 * over only when its errors are lower by more than `model.pool.margin` of the serving one's, so two members of equal
 * quality do not swap back and forth; the choice for a batch is made before the batch is scored (prequential), and
 * a tie goes to the earlier (simpler) member. A switch is logged and handed to the manager (`takeSwitch`), which
 * publishes it as a new major version.
 *
 * Cost: every member learns every sample, so a pool costs its members together (reported as `pool_members`);
 * the learner's step size (`learner.updateBatchSize: auto`) coarsens for all of them under backpressure, and beyond
 * that the other members learn one micro-batch in `LearnInput.poolEvery` (member-batches skipped:
 * `pool_skipped_batches`), so at full rate the pool costs little more than the member that serves.
 * A snapshot carries every member whole (weights, optimizer, averages) in the learner state, so a restored pool
 * continues exactly.
 */
export class ModelPool implements Learner {
  readonly metrics: PrequentialMetrics;
  readonly outputKind: OutputKind;
  private pendingSwitch?: PoolSwitch;
  private switches: number;
  /** Micro-batches stepped, and member-batches skipped under backpressure (see step). */
  private batches = 0;
  private skipped = 0;
  /** Samples the selector has taken in since the last switch (a full window at the start). */
  private sinceSwitch: number;

  private constructor(
    readonly spec: ModelConfig,
    private readonly members: readonly OnlineLearner[],
    private readonly names: readonly string[],
    private readonly selector: HorizonSelector,
    private serving: number,
    switches: number,
    metricsWindow: number,
    private readonly logger: Logger,
    sinceSwitch?: number,
  ) {
    this.outputKind = (members[0] as OnlineLearner).outputKind;
    this.metrics = new PrequentialMetrics(this.outputKind, spec.classes, metricsWindow);
    this.switches = switches;
    this.sinceSwitch = sinceSwitch ?? selector.window;
  }

  /** A new pool from the spec, or the pool a snapshot holds (see PoolState); a single model's snapshot seeds the member of its shape. */
  static async create(opts: OnlineLearnerOptions, snapshot?: ModelSnapshot): Promise<ModelPool> {
    const { spec } = opts;
    const list: PoolMember[] = (spec.pool ?? defaultPool(spec.task)).members.map(poolMember);
    const names = list.map((m) => m.name);
    const logger = opts.logger.child({ module: 'pool' });
    const { saved, same } = poolStateOf(snapshot?.learner, names, logger);
    const members: OnlineLearner[] = [];
    let seeded = false;
    try {
      for (const member of list) {
        const memberOpts = { ...opts, spec: memberSpec(spec, member) };
        const kept = saved?.members.find((m) => m.name === member.name);
        const own = kept ? snapshotFromJson(kept.snapshot) : undefined;
        // A single model's checkpoint continues as the first member of its shape.
        const seed: ModelSnapshot | undefined = !saved && !seeded && snapshot && sameShapes(snapshot, memberOpts.spec, opts.inputWidth) ? snapshot : undefined;
        if (seed) logger.info({ member: member.name }, 'pool: the checkpoint of a single model continues as this member; the others start from scratch');
        seeded ||= seed !== undefined;
        members.push(await OnlineLearner.create(memberOpts, own ?? seed));
      }
    } catch (err) {
      members.forEach((m) => m.dispose());
      throw err;
    }
    if (snapshot && !saved && !list.some((m) => sameShapes(snapshot, memberSpec(spec, m), opts.inputWidth)))
      logger.warn("pool: the checkpoint is a single model of another shape than every member's: the pool starts from scratch");
    const window = (spec.pool ?? defaultPool(spec.task)).window;
    // The selector's recent errors are per member position: kept only when the members are the same, in the same order.
    const selector = new HorizonSelector(members.length, window, same ? saved?.selector : undefined);
    const { serving, dropped } = servingAfterRestore(saved, names);
    const since = same && typeof saved?.sinceSwitch === 'number' ? saved.sinceSwitch : same ? undefined : 0;
    const pool = new ModelPool(spec, members, names, selector, serving, saved?.switches ?? 0, opts.metricsWindow, logger, since);
    if (dropped !== undefined) pool.switchTo(serving, `the serving member ${dropped} is no longer in model.pool.members`, dropped);
    return pool;
  }

  /**
   * Every member learns the batch; the serving member's outputs are the pool's; then the recent errors may change who
   * serves. Under backpressure (`input.poolEvery` above 1) the other members learn (and are scored on) one batch in
   * `poolEvery` only, and the selector counts those batches alone, so every comparison is on the same samples;
   * the serving member does not change until every member learns every batch again (the one that learned all of
   * them would have the advantage), nor while the learner is behind its input (`input.behind`).
   */
  step(input: LearnInput): StepResult {
    const every = Math.max(1, input.poolEvery ?? 1);
    this.batches += 1;
    if (every > 1 && this.batches % every !== 0) {
      const served = (this.members[this.serving] as OnlineLearner).step(input);
      this.skipped += this.members.length - 1;
      const errors = new Float32Array(input.size);
      if (served.outputs) this.metrics.update(served.outputs, input.labels, errors);
      else errors.set(served.errors);
      return { ...served, errors };
    }
    const results = this.members.map((m) => m.step(input));
    const served = results[this.serving] as StepResult;
    const errors = new Float32Array(input.size);
    if (served.outputs) this.metrics.update(served.outputs, input.labels, errors);
    else errors.set(served.errors);
    this.selector.add(results.map((r) => r.errors));
    this.sinceSwitch += input.size;
    // While the others skip batches the serving member has learned more than they have: no fair comparison. While
    // the learner is behind its input (coarse steps, batches that grow) a window is shorter than a batch and a
    // switch would follow a batch or two: the serving member stays until the learner catches up.
    if (every === 1 && input.behind !== true) this.reconsider();
    return { ...served, errors };
  }

  /**
   * Switches to the member with the fewest errors over the window when all of these hold: the window is full and
   * holds only samples learned since the last switch; its errors are lower by more than `model.pool.margin` of the
   * serving member's; and, when it is a larger member than the serving one (later in `model.pool.members`), the
   * paired difference is significant, mean + SWITCH_Z standard errors below zero (the members are scored on the
   * same samples). A smaller member takes back over on the margin alone. On a stream where the members are equally
   * good (noise, or a concept every member learns) the pool so stays on, or returns to, the simpler member instead
   * of following chance, which would publish a new major each time.
   */
  private reconsider(): void {
    const best = this.selector.choice;
    if (best === this.serving) return;
    const window = this.selector.window;
    if (this.selector.filled < window || this.sinceSwitch < window) return;
    const margin = (this.spec.pool ?? defaultPool(this.spec.task)).margin;
    const current = this.selector.sum(this.serving);
    if (this.selector.sum(best) >= current * (1 - margin)) return;
    if (best > this.serving) {
      const d = this.selector.pairedDifference(best, this.serving);
      if (d.mean + (SWITCH_Z * d.sd) / Math.sqrt(Math.max(1, d.n)) >= 0) return;
    }
    this.switchTo(best, 'fewer errors over the window');
  }

  /** Serves member `to` from now on: a logged decision, handed to the manager as a switch (a new major). */
  private switchTo(to: number, reason: string, from = this.names[this.serving] as string): void {
    const errors = Object.fromEntries(this.names.map((n, i) => [n, this.selector.sum(i)]));
    const change: PoolSwitch = { from, to: this.names[to] as string, errors };
    this.serving = to;
    this.switches += 1;
    this.sinceSwitch = 0;
    this.pendingSwitch = change;
    this.logger.info({ ...change, reason, window: this.selector.window }, 'pool: another member serves');
  }

  takeSwitch(): PoolSwitch | undefined {
    const s = this.pendingSwitch;
    this.pendingSwitch = undefined;
    return s;
  }

  /** The member that serves now. */
  get servingMember(): string {
    return this.names[this.serving] as string;
  }

  predict(raw: Float32Array, size: number): Float32Array {
    return (this.members[this.serving] as OnlineLearner).predict(raw, size);
  }

  /** The serving member's weights and optimizer as the published model; every member whole in the learner state. */
  async snapshot(options: { inMemory?: boolean } = {}): Promise<ModelSnapshot & { learner: PoolState }> {
    const snaps = await Promise.all(this.members.map((m) => m.snapshot(options)));
    const served = snaps[this.serving] as ModelSnapshot;
    const pool: PoolState['pool'] = {
      serving: this.serving,
      members: snaps.map((s, i) => ({ name: this.names[i] as string, snapshot: snapshotToJson(s) })),
      selector: this.selector.state(),
      switches: this.switches,
      sinceSwitch: this.sinceSwitch,
    };
    return { ...served, learner: { pool } };
  }

  /**
   * The pool's prequential metrics (what it served), the serving member's own learner figures, and the pool's:
   * `pool_members`, `pool_serving` (index in `model.pool.members`), `pool_switches`, `pool_skipped_batches`, and each member's error rate
   * (or mean absolute error) over the window as `pool_errors_<member>`.
   */
  liveMetrics(): MetricValues {
    const { updates_rejected: _, ...own } = (this.members[this.serving] as OnlineLearner).liveMetrics();
    const filled = Math.max(1, this.selector.filled);
    return {
      ...own,
      ...this.metrics.values(),
      updates_rejected: this.rejectedUpdates,
      pool_members: this.members.length,
      pool_serving: this.serving,
      pool_switches: this.switches,
      pool_skipped_batches: this.skipped,
      ...Object.fromEntries(this.names.map((n, i) => [`pool_errors_${n.replace(/[^A-Za-z0-9_]/g, '_')}`, this.selector.sum(i) / filled])),
    };
  }

  get rejectedUpdates(): number {
    return this.members.reduce((n, m) => n + m.rejectedUpdates, 0);
  }

  get learningRate(): number {
    return (this.members[this.serving] as OnlineLearner).learningRate;
  }

  boostLearningRate(factor: number): void {
    this.members.forEach((m) => m.boostLearningRate(factor));
  }

  restoreLearningRate(): void {
    this.members.forEach((m) => m.restoreLearningRate());
  }

  resetOptimizer(): void {
    this.members.forEach((m) => m.resetOptimizer());
  }

  get averaging(): boolean {
    return (this.members[this.serving] as OnlineLearner).averaging;
  }

  get averageHoldoff(): number {
    return (this.members[this.serving] as OnlineLearner).averageHoldoff;
  }

  restartAverage(): void {
    this.members.forEach((m) => m.restartAverage());
  }

  dispose(): void {
    this.members.forEach((m) => m.dispose());
  }
}

/**
 * The pool state of a snapshot, and whether it holds the same members in the same order. When the members changed
 * (a new default pool, an edited `model.pool.members`), the members it names continue from their snapshots and the
 * others start from scratch; a state with no member of this pool counts as none.
 */
function poolStateOf(learner: unknown, names: readonly string[], logger: Logger): { saved?: PoolState['pool']; same: boolean } {
  const pool = (learner as Partial<PoolState> | undefined)?.pool;
  if (!pool || !Array.isArray(pool.members) || !pool.members.every((m) => typeof m?.name === 'string' && typeof m.snapshot === 'object'))
    return { same: false };
  const same = pool.members.length === names.length && pool.members.every((m, i) => m.name === names[i]);
  if (same) return { saved: pool, same };
  const kept = names.filter((n) => pool.members.some((m) => m.name === n));
  if (kept.length === 0) return { same: false };
  logger.info(
    { kept, fresh: names.filter((n) => !kept.includes(n)), dropped: pool.members.map((m) => m.name).filter((n) => !names.includes(n)) },
    'pool: members changed; the kept ones continue',
  );
  return { saved: pool, same };
}

/** Whether a single model's snapshot has the weight shapes of a member of this spec. */
function sameShapes(snapshot: ModelSnapshot, spec: ModelConfig, inputWidth: number): boolean {
  const shapes: number[][] = [];
  let width = inputWidth;
  const hidden = spec.type === 'mlp' ? spec.hiddenUnits : [];
  const out = spec.task === 'regression' || spec.type === 'logistic' || (spec.type === 'mlp' && spec.classes === 2) ? 1 : spec.classes;
  for (const units of [...hidden, out]) {
    shapes.push([width, units], [units]);
    width = units;
  }
  const saved = snapshot.weightSpecs.map((w) => w.shape);
  return saved.length === shapes.length && saved.every((s, i) => s.join(',') === (shapes[i] as number[]).join(','));
}

/**
 * Who serves after a restore: the member the checkpoint served, by name. When the config no longer lists it (a new
 * default pool, an edited list), the first member the checkpoint holds serves instead, as it has learned, and the
 * dropped member's name is returned so the change is published as a switch; without a saved pool, the first member.
 */
function servingAfterRestore(saved: PoolState['pool'] | undefined, names: readonly string[]): { serving: number; dropped?: string } {
  const servedName = saved?.members[saved.serving]?.name;
  if (!saved || servedName === undefined) return { serving: 0 };
  const index = names.indexOf(servedName);
  if (index >= 0) return { serving: index };
  const kept = names.findIndex((n) => saved.members.some((m) => m.name === n));
  return { serving: Math.max(0, kept), dropped: servedName };
}
