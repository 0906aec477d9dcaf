import { describe, expect, it } from 'vitest';
import { parseConfig, type PredictionEvent, type RolloutConfig } from '../../../src/core/index.js';
import { OutcomeScorer, rewardOf } from '../../../src/decider/index.js';
import { RolloutMachine } from '../../../src/rollout/index.js';

function plan(extra: Record<string, unknown>): RolloutConfig {
  return parseConfig({
    model: { name: 'm' },
    kafka: { brokers: ['127.0.0.1:9092'], topics: ['t'] },
    input: { features: [{ field: 'x' }], label: { field: 'y' } },
    checkpoints: { store: { type: 'folder', path: '/tmp/x' } },
    rollout: { minSamples: 20, ...extra },
  }).rollout;
}
const p = (version: string, output: number, extra: Partial<PredictionEvent> = {}): PredictionEvent => ({
  requestId: 'r',
  model: 'm',
  version,
  servedAt: 0,
  output: Float32Array.of(output),
  ...extra,
});

describe('OutcomeScorer', () => {
  it('scores classes right or wrong and values by their negative error', () => {
    expect(rewardOf(Float32Array.of(0.9), undefined, 1, 'classification')).toBe(1);
    expect(rewardOf(Float32Array.of(0.2, 0.7, 0.1), undefined, 2, 'classification')).toBe(0);
    expect(rewardOf(Float32Array.of(3.5), undefined, 5, 'regression')).toBe(-1.5);
  });

  it('under canary promotes a candidate right on every request over a champion right on half', () => {
    const machine = new RolloutMachine(plan({ policy: 'canary', steps: [0.5, 1] }), 1, [2]);
    const scorer = new OutcomeScorer(machine, 'classification');
    let verdict;
    for (let i = 0; i < 2_000 && !verdict; i++) {
      const candidate = i % 2 === 0;
      verdict = scorer.outcome({ prediction: p(candidate ? '2.3' : '1.9', candidate ? 0.9 : i % 4 === 1 ? 0.9 : 0.1), label: 1, defaulted: false });
    }
    expect(verdict).toMatchObject({ type: 'promote', major: 2 });
  });

  it('on regression decides by MAE: a candidate 1 unit closer on every request is promoted, a farther one rejected', () => {
    for (const [candidateError, expected] of [
      [0.5, 'promote'],
      [2.5, 'reject'],
    ] as const) {
      const machine = new RolloutMachine(plan({ policy: 'canary', steps: [0.5, 1] }), 1, [2]);
      const scorer = new OutcomeScorer(machine, 'regression');
      let verdict;
      for (let i = 0; i < 4_000 && !verdict; i++) {
        const candidate = i % 2 === 0;
        const noise = ((i * 7919) % 13) / 13 - 0.5;
        const error = (candidate ? candidateError : 1.5) + noise;
        verdict = scorer.outcome({ prediction: p(candidate ? '2.0' : '1.0', 20 + error), label: 20, defaulted: false });
      }
      expect(verdict).toMatchObject({ type: expected, major: 2 });
      expect(verdict?.stats.diff).toBeCloseTo(1.5 - candidateError, 1);
    }
  });

  it('counts a fallback as a failed candidate request, and rejects at once past the error rate', () => {
    const machine = new RolloutMachine(plan({ policy: 'canary', guardrails: { minRequests: 10, maxErrorRate: 0.05 } }), 1, [2]);
    const scorer = new OutcomeScorer(machine, 'classification');
    let verdict;
    for (let i = 0; i < 10 && !verdict; i++) verdict = scorer.request(p('1.0', 0.9, { fallbackFrom: '2.0' }));
    expect(verdict).toMatchObject({ type: 'reject', major: 2 });
    expect(verdict?.reason).toMatch(/maxErrorRate/);
  });

  it('under shadow pairs the champion with the candidate on the same request', () => {
    const machine = new RolloutMachine(plan({ policy: 'shadow' }), 1, [2]);
    const scorer = new OutcomeScorer(machine, 'classification');
    let verdict;
    for (let i = 0; i < 2_000 && !verdict; i++)
      verdict = scorer.outcome({
        prediction: p('1.0', 0.1, { shadow: [{ version: '2.0', output: Float32Array.of(0.9) }] }),
        label: i % 5 === 0 ? 0 : 1,
        defaulted: false,
      });
    expect(verdict).toMatchObject({ type: 'promote', major: 2 });
  });

  it('under interleave credits the team whose item was clicked', () => {
    const machine = new RolloutMachine(plan({ policy: 'interleave' }), 1, [2]);
    const scorer = new OutcomeScorer(machine, 'classification');
    const interleave = { versions: ['1.0', '2.0'], items: [3, 1, 0, 2], teams: [1, 0, 0, 1] };
    let verdict;
    // The candidate's items are clicked (positions 0 and 3), never the champion's.
    for (let i = 0; i < 2_000 && !verdict; i++)
      verdict = scorer.outcome({ prediction: p('1.0', 0.5, { interleave }), label: i % 2 === 0 ? 0 : 3, defaulted: false });
    expect(verdict).toMatchObject({ type: 'promote', major: 2 });
  });
});
