import type { ManagerEvent } from '../adaptation/index.js';
import { guardDetail } from './guard-versions.js';

/** How many drifting input columns a decision's detail names. */
const TOP_COLUMNS = 3;

/**
 * The one-line detail of a drift decision, as the logs, the manifest and `streamtrain versions` show it: the
 * detector and the signal, and for data drift the columns that moved most (by PSI, from the event's
 * `<column>_psi` scores), so an operator sees at a glance which inputs changed.
 */
export function driftDetail(e: Extract<ManagerEvent, { kind: 'drift' }>): string {
  const base = `${e.detector} on ${e.signal}`;
  if (e.signal === 'error') return base;
  const moved = Object.entries(e.scores)
    .filter(([k, v]) => k.endsWith('_psi') && Number.isFinite(v))
    .map(([k, v]) => [k.slice(0, -'_psi'.length), v] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_COLUMNS);
  return moved.length ? `${base}: ${moved.map(([name, v]) => `${name} psi ${v.toFixed(2)}`).join(', ')}` : base;
}

/** The detail of an adapt decision: the raised learning rate, and for a hedged period which model continues. */
export function adaptDetail(e: Extract<ManagerEvent, { kind: 'adapt-started' | 'adapt-ended' }>): string {
  if (e.kind === 'adapt-started') return `learning rate ${e.learningRate}${e.hedged ? ' on a copy (hedged)' : ''}`;
  if (e.kept === undefined) return 'learning rate restored';
  const switches = e.switches ?? 0;
  return `${e.kept} model kept (errors: boosted ${e.boostedErrors ?? 0}, unchanged ${e.unchangedErrors ?? 0}; the lead changed ${switches === 1 ? 'once' : `${switches} times`})`;
}

/** The one-line detail of a manager event, as decisions, logs and version triggers show it. */
export function eventDetail(e: ManagerEvent): string {
  switch (e.kind) {
    case 'drift':
      return driftDetail(e);
    case 'adapt-started':
    case 'adapt-ended':
      return adaptDetail(e);
    case 'guard-reactivated':
      return guardDetail(e);
    case 'challenger-started':
      return e.rollback ? `rollback race of the displaced champion ${e.from}` : `from ${e.from}`;
    case 'pool-switched':
      return `${e.from} -> ${e.to}, errors over the window ${Object.entries(e.errors)
        .map(([k, v]) => `${k} ${+v.toFixed(4)}`)
        .join(', ')}`;
    default:
      return 'comparison' in e
        ? `${e.kind === 'challenger-promoted' && e.rollback ? 'displaced champion reinstated, ' : ''}lead ${e.comparison.lead.toFixed(4)} p ${e.comparison.pValue.toExponential(2)} over ${e.comparison.n}`
        : '';
  }
}
