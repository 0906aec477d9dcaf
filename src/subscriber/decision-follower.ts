import type { Decision, Logger, RolloutPolicy } from '../core/index.js';
import { decodeDecision, formatVersion, parseVersion } from '../core/index.js';
import { listVersions, readCheckpoint, readDecisions, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { loadLive, type Live } from './loaded-model.js';
import { ServingLines, type Want } from './serving-lines.js';
import type { RolloutStatus } from './subscriber-status.js';

export interface DecisionFollowerOptions {
  readonly store: ObjectStore;
  readonly model: string;
  readonly policy: RolloutPolicy;
  readonly log: Logger;
  readonly onLoaded: (live: Live, loadMs: number, samplesTotal: number, metrics: Record<string, number>) => void;
  /** A version that could not be loaded (the current one keeps serving). */
  readonly onLoadFailed?: () => void;
}

/**
 * Keeps an unkeyed model's serving lines in step with the store: the decisions (read from the store in seq
 * order; a decision event only says there is something new to read) and the versions announced. Loads what
 * the lines want (a line's newest valid version, or a pinned version), then retires what they no longer need.
 * Calls are serialized by the caller.
 */
export class DecisionFollower {
  readonly lines: ServingLines;

  constructor(private readonly o: DecisionFollowerOptions) {
    this.lines = new ServingLines(o.policy);
  }

  /**
   * Applies the stored decisions, then loads the newest checkpoint (when the newest line serves) and what they want.
   * `startedAt` (performance.now()) is when reading `latest` began: its load is timed from there.
   */
  async start(latest: LoadedCheckpoint | undefined, startedAt = performance.now()): Promise<void> {
    const decisions = await readDecisions(this.o.store, this.o.model);
    const wants = this.applyAll(decisions);
    if (latest) {
      const { major } = parseVersion(latest.manifest.version) ?? { major: 0 };
      if (this.lines.accepts(latest.manifest.version, major)) this.admit(await loadLive('', latest), false, startedAt, latest);
    }
    await this.load([...wants, ...this.lines.wants()]);
  }

  /** A version event: loaded when it heads a line that serves (or starts the newest line, when that serves). */
  async onVersionEvent(event: { readonly version: string }): Promise<void> {
    const v = parseVersion(event.version);
    if (!v || !this.lines.accepts(event.version, v.major)) return;
    const started = performance.now();
    try {
      const c = await readCheckpoint(this.o.store, this.o.model, event.version, { withState: false });
      this.admit(await loadLive('', c), false, started, c);
    } catch (err) {
      this.o.log.error({ version: event.version, err: (err as Error).message }, 'could not load the announced version; keeping the current one');
      this.o.onLoadFailed?.();
    }
  }

  /** A decision event: reads every decision after the last applied from the store (the event may skip some). */
  async onDecisionEvent(bytes: Buffer): Promise<void> {
    let seq: number;
    try {
      seq = decodeDecision(bytes).seq;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'ignoring an undecodable decision event');
      return;
    }
    if (seq > this.lines.serving.seq) await this.catchUp();
  }

  /** Applies the decisions the store has beyond the last applied, and loads what they want. */
  async catchUp(): Promise<void> {
    const decisions = await readDecisions(this.o.store, this.o.model, this.lines.serving.seq);
    await this.load(this.applyAll(decisions));
  }

  status(): { loaded: string[]; rollout: RolloutStatus } {
    const s = this.lines.serving;
    return {
      loaded: this.lines.loaded().map((l) => l.version),
      rollout: {
        policy: this.o.policy,
        decisionSeq: s.seq,
        ...(s.champion !== undefined ? { champion: s.champion } : {}),
        ...(s.rollout ? { active: { id: s.rollout.id, policy: s.rollout.policy, arms: [...s.rollout.arms] } } : {}),
        ...(s.pin ? { pin: { ...s.pin } } : {}),
        rejected: [...s.rejected],
      },
    };
  }

  dispose(): void {
    for (const l of this.lines.clear()) l.model.dispose();
  }

  private applyAll(decisions: readonly Decision[]): Want[] {
    let wants: Want[] = [];
    for (const d of decisions) {
      wants = this.lines.apply(d);
      this.o.log.info({ seq: d.seq, type: d.type, version: d.version, arms: d.arms, by: d.by, reason: d.reason }, 'rollout decision applied');
    }
    return wants;
  }

  private async load(wants: readonly Want[]): Promise<void> {
    for (const want of wants) {
      const started = performance.now();
      try {
        const c = 'version' in want ? await readCheckpoint(this.o.store, this.o.model, want.version, { withState: false }) : await this.newestOf(want.major);
        if (c) this.admit(await loadLive('', c), 'version' in want, started, c);
        else {
          this.o.log.error({ want }, 'no valid version of the line the decisions name; serving the current one');
          this.o.onLoadFailed?.();
        }
      } catch (err) {
        this.o.log.error({ want, err: (err as Error).message }, 'could not load the version the decisions name; serving the current one');
        this.o.onLoadFailed?.();
      }
    }
    for (const old of this.lines.retire()) old.model.dispose();
  }

  private async newestOf(major: number): Promise<LoadedCheckpoint | undefined> {
    const versions = (await listVersions(this.o.store, this.o.model)).filter((v) => v.major === major).reverse();
    for (const v of versions) {
      try {
        return await readCheckpoint(this.o.store, this.o.model, formatVersion(v), { withState: false });
      } catch (err) {
        this.o.log.warn({ version: formatVersion(v), err: (err as Error).message }, 'skipping an unreadable version');
      }
    }
    return undefined;
  }

  private admit(live: Live, pinned: boolean, started: number, c: LoadedCheckpoint): void {
    for (const old of this.lines.admit(live, pinned)) old.model.dispose();
    const loadMs = started ? performance.now() - started : 0;
    this.o.log.info({ version: live.version, pinned, loadMs: Math.round(loadMs) }, 'model swapped in');
    this.o.onLoaded(live, loadMs, c.manifest.samples.total, c.manifest.metrics);
  }
}
