import type { PredictionEvent } from '../core/index.js';
import { parseVersion } from '../core/index.js';
import { winnerOf, type RolloutMachine, type Verdict } from '../rollout/index.js';
import type { Outcome } from './outcome-join.js';

/** Higher is better: 1 / 0 for a right / wrong class, -|error| for a value. */
export function rewardOf(output: Float32Array, predictedClass: number | undefined, label: number, task: 'classification' | 'regression'): number {
  if (task === 'regression') return -Math.abs((output[0] as number) - label);
  const cls = predictedClass ?? (output.length === 1 ? ((output[0] as number) > 0.5 ? 1 : 0) : argmax(output));
  return cls === label ? 1 : 0;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

const majorOf = (version: string): number | undefined => parseVersion(version)?.major;

function finite(a: Float32Array): boolean {
  for (const v of a) if (!Number.isFinite(v)) return false;
  return a.length > 0;
}

/**
 * Feeds a rollout machine: each served prediction as a request of the line that served (guardrails: a fallback
 * counts as a failed request of the candidate, a shadow's NaN output as a failed shadow), and each labelled
 * outcome as the policy scores it (the arm that served; both models on the request under shadow; the team
 * the click credits under interleave). Returns the first verdict.
 */
export class OutcomeScorer {
  constructor(
    private readonly machine: RolloutMachine,
    private readonly task: 'classification' | 'regression',
  ) {}

  request(p: PredictionEvent): Verdict | undefined {
    const arms = new Set(this.machine.arms.map((a) => a.major));
    const served = majorOf(p.version);
    let verdict: Verdict | undefined;
    if (p.fallbackFrom !== undefined) {
      const m = majorOf(p.fallbackFrom);
      if (m !== undefined && arms.has(m)) verdict ??= this.machine.observeRequest(m, { failed: true });
    } else if (served !== undefined && arms.has(served))
      verdict ??= this.machine.observeRequest(served, { failed: !finite(p.output), ...(p.latencyUs !== undefined ? { latencyMs: p.latencyUs / 1000 } : {}) });
    for (const s of p.shadow ?? []) {
      const m = majorOf(s.version);
      if (m !== undefined && arms.has(m))
        verdict ??= this.machine.observeRequest(m, { failed: !finite(s.output), ...(s.latencyUs !== undefined ? { latencyMs: s.latencyUs / 1000 } : {}) });
    }
    return verdict;
  }

  outcome(o: Outcome): Verdict | undefined {
    const p = o.prediction;
    if (p.interleave) {
      if (o.defaulted || o.label < 0) return this.machine.observePreference(undefined);
      const w = winnerOf(p.interleave.teams, [o.label]);
      return this.machine.observePreference(w);
    }
    const champion = rewardOf(p.output, p.predictedClass, o.label, this.task);
    if (p.shadow && p.shadow.length > 0) {
      const candidates = new Map<number, number>();
      for (const s of p.shadow) {
        const m = majorOf(s.version);
        if (m !== undefined && finite(s.output)) candidates.set(m, rewardOf(s.output, s.predictedClass, o.label, this.task));
      }
      return candidates.size > 0 ? this.machine.observePaired(champion, candidates) : undefined;
    }
    const served = majorOf(p.version);
    return served === undefined || !finite(p.output) ? undefined : this.machine.observeOutcome(served, champion);
  }
}
