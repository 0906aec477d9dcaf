import type { Decision } from '../core/index.js';
import { readDecisions, type ObjectStore } from '../checkpoints/index.js';
import { textTable } from './text-table.js';

function what(d: Decision): string {
  const arms = d.arms.map((a) => `${a.major}@${a.share}`).join(',');
  switch (d.type) {
    case 'start':
      return `${d.policy ?? ''} ${d.champion ?? '?'} vs ${arms}`;
    case 'step':
      return `shares ${arms}`;
    default:
      return d.version ?? '';
  }
}

/** The rollout decisions under the versions table of `streamtrain versions`: who decided what, when, and why. */
export async function decisionsTable(store: ObjectStore, model: string): Promise<string> {
  const decisions = await readDecisions(store, model);
  if (decisions.length === 0) return '';
  const rows = decisions.map((d) => [String(d.seq), d.type, what(d), d.at, d.by, d.reason]);
  const head = ['seq', 'decision', 'what', 'at', 'by', 'reason'];
  return ['', 'Rollout decisions:', textTable(head, rows)].join('\n');
}
