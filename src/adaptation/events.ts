import type { DriftResponse } from '../core/index.js';
import type { ComparisonResult, DropReason } from './paired-comparison.js';

/** A detection: which detector, on which signal, its scores, and the responses that act on it. */
export interface DriftEvent {
  readonly kind: 'drift';
  readonly detector: string;
  readonly signal: 'error' | 'prediction' | 'input';
  readonly scores: Record<string, number>;
  readonly responses: readonly DriftResponse[];
}

/** What happened while learning one batch, for the service to log, publish and checkpoint. */
export type ManagerEvent =
  | DriftEvent
  | { readonly kind: 'challenger-started'; readonly from: 'scratch' | string; readonly rollback?: boolean }
  | { readonly kind: 'challenger-promoted'; readonly comparison: ComparisonResult; readonly branchedFrom?: string; readonly rollback?: boolean }
  | { readonly kind: 'challenger-dropped'; readonly comparison: ComparisonResult; readonly reason: DropReason }
  | { readonly kind: 'adapt-started'; readonly learningRate: number; readonly hedged?: boolean }
  /** With `drift.adapt.hedge`: which model continues, the errors each made in the period, and how often the lead changed. */
  | {
      readonly kind: 'adapt-ended';
      readonly kept?: 'boosted' | 'unchanged';
      readonly boostedErrors?: number;
      readonly unchangedErrors?: number;
      readonly switches?: number;
    }
  | { readonly kind: 'average-restarted'; readonly comparison: ComparisonResult }
  /** `model.type: auto`: another member of the pool serves from the next batch (a new major version). */
  | { readonly kind: 'pool-switched'; readonly from: string; readonly to: string; readonly errors: Readonly<Record<string, number>> }
  /** The forgetting guard re-activated a past version (`drift.guard`): it is the live model now. */
  | { readonly kind: 'guard-reactivated'; readonly version: string; readonly comparison: ComparisonResult };
