import type { Decision, RolloutArm } from '../core/index.js';
import { parseVersion } from '../core/index.js';

/** A version every replica holds whatever the lines do: `pin`, or a `rollback` (then `untilPromote` with training restart). */
export interface Pin {
  readonly version: string;
  readonly by: string;
  readonly reason: string;
  /** A rollback whose trainer restarts from the version: the restarted line's `promote` ends the pin. */
  readonly untilPromote: boolean;
}

export interface ActiveRollout {
  /** The seq of its start decision (the salt of the sticky split). */
  readonly id: number;
  readonly policy: NonNullable<Decision['policy']>;
  readonly arms: readonly RolloutArm[];
}

/**
 * What the replicas serve, as the decisions so far say: the same decisions in the same order give every
 * replica the same state. `champion` undefined means no decision yet: the newest line serves.
 */
export interface ServingState {
  readonly seq: number;
  readonly champion?: number;
  readonly rollout?: ActiveRollout;
  readonly pin?: Pin;
  /** Lines that lost a rollout: never served. */
  readonly rejected: readonly number[];
}

export const initialServingState: ServingState = { seq: 0, rejected: [] };

function majorOf(version: string | undefined): number | undefined {
  return version === undefined ? undefined : parseVersion(version)?.major;
}

/** The state after one more decision; a decision at or below `state.seq` (already applied) changes nothing. */
export function applyDecision(state: ServingState, d: Decision): ServingState {
  if (d.seq <= state.seq) return state;
  const base = { ...state, seq: d.seq };
  switch (d.type) {
    case 'baseline':
      return { ...base, champion: majorOf(d.version) ?? d.champion, rollout: undefined };
    case 'start':
      if (!d.policy) return base;
      return { ...base, champion: d.champion ?? state.champion, rollout: { id: d.seq, policy: d.policy, arms: d.arms } };
    case 'step':
      return state.rollout ? { ...base, rollout: { ...state.rollout, arms: d.arms } } : base;
    case 'promote': {
      const major = majorOf(d.version) ?? d.champion;
      const pin = state.pin?.untilPromote ? undefined : state.pin;
      return { ...base, champion: major, rollout: undefined, pin };
    }
    case 'reject': {
      const major = majorOf(d.version);
      if (major === undefined) return base;
      const arms = state.rollout?.arms.filter((a) => a.major !== major) ?? [];
      const rollout = state.rollout && arms.length > 0 ? { ...state.rollout, arms } : undefined;
      return { ...base, rollout, rejected: state.rejected.includes(major) ? state.rejected : [...state.rejected, major] };
    }
    case 'rollback':
    case 'pin':
      if (!d.version) return base;
      return {
        ...base,
        rollout: undefined,
        pin: { version: d.version, by: d.by, reason: d.reason, untilPromote: d.type === 'rollback' && d.training === 'restart' },
      };
    case 'unpin':
      return { ...base, pin: undefined };
  }
}

/** Folds decisions (in seq order) into a state. */
export function servingStateOf(decisions: readonly Decision[], from: ServingState = initialServingState): ServingState {
  return decisions.reduce(applyDecision, from);
}
