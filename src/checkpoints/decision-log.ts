import type { Decision } from '../core/index.js';
import { CheckpointWriteError } from '../core/index.js';
import type { ObjectStore } from './object-store.js';

/** A decision without its number: `appendDecision` gives it the next one. */
export type DecisionDraft = Omit<Decision, 'seq' | 'model'>;

export const decisionsPrefix = (model: string): string => `${model}/decisions/`;
/** Zero-padded, so that a listing sorts by number. */
export const decisionKey = (model: string, seq: number): string => `${decisionsPrefix(model)}${String(seq).padStart(12, '0')}.json`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every decision of the model, by seq (the store is their record; the topic only announces them). */
export async function readDecisions(store: ObjectStore, model: string, after = 0): Promise<Decision[]> {
  const prefix = decisionsPrefix(model);
  const seqs = (await store.list(prefix))
    .map((k) => Number(k.slice(prefix.length).replace(/\.json$/, '')))
    .filter((n) => Number.isInteger(n) && n > after)
    .sort((a, b) => a - b);
  const out: Decision[] = [];
  for (const seq of seqs) {
    const bytes = await store.get(decisionKey(model, seq));
    if (bytes) out.push(JSON.parse(decoder.decode(bytes)) as Decision);
  }
  return out;
}

/**
 * Writes the decision under the next free number: a conditional create, so two writers (two deciders, a
 * decider and a `rollback` command) never both take one number. `expectSeq` makes the write conditional on the
 * history the writer decided from: when another decision took that number first, nothing is written and the
 * result is undefined (the writer re-reads and decides again). Without it, the next free number is taken.
 */
export async function appendDecision(store: ObjectStore, model: string, draft: DecisionDraft, expectSeq?: number): Promise<Decision | undefined> {
  let seq = expectSeq ?? (await lastDecisionSeq(store, model)) + 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const decision: Decision = { ...draft, model, seq };
    if (await store.create(decisionKey(model, seq), encoder.encode(`${JSON.stringify(decision, null, 2)}\n`))) return decision;
    if (expectSeq !== undefined) return undefined;
    seq = (await lastDecisionSeq(store, model)) + 1;
  }
  throw new CheckpointWriteError(`could not take a decision number for ${model} after 50 attempts: other writers keep taking them`);
}

/** The highest decision number written (0 when none). */
export async function lastDecisionSeq(store: ObjectStore, model: string): Promise<number> {
  const prefix = decisionsPrefix(model);
  let last = 0;
  for (const k of await store.list(prefix)) {
    const n = Number(k.slice(prefix.length).replace(/\.json$/, ''));
    if (Number.isInteger(n) && n > last) last = n;
  }
  return last;
}
