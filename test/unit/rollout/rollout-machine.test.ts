import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rolloutSchema } from '../../../src/core/config/sections/rollout.js';
import { ConfigError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/datasets/rng.js';
import { RolloutMachine, type RolloutPlan, type Verdict } from '../../../src/rollout/index.js';

const plan = (o: Record<string, unknown>): RolloutPlan => rolloutSchema.parse(o);

/** Canary / ab traffic: each request goes to a candidate with its share, the outcome arrives at once. */
function drive(m: RolloutMachine, accuracy: Record<number, number>, seed: number, requests = 200_000): Verdict[] {
  const rng = createRng(seed);
  const out: Verdict[] = [];
  for (let i = 0; i < requests && !m.done; i++) {
    let major = m.champion;
    let u = rng.next();
    for (const a of m.arms) {
      if (u < a.share) {
        major = a.major;
        break;
      }
      u -= a.share;
    }
    const v = m.observeOutcome(major, rng.next() < (accuracy[major] ?? 0) ? 1 : 0);
    if (v) out.push(v);
  }
  return out;
}

describe('RolloutMachine, canary', () => {
  it('ramps a good candidate step by step, each step after minSamples outcomes at it, then promotes', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    expect(m.arms).toEqual([{ major: 2, share: 0.01 }]);
    const verdicts = drive(m, { 1: 0.8, 2: 0.9 }, 1);
    expect(verdicts.map((v) => v.type)).toEqual(['step', 'step', 'promote']);
    expect(verdicts.slice(0, 2).map((v) => (v.type === 'step' ? v.arms : []))).toEqual([[{ major: 2, share: 0.05 }], [{ major: 2, share: 0.25 }]]);
    expect(verdicts[0]?.reason).toMatch(/^step 2 of 4: share 0.05 after 200 candidate outcomes at share 0.01/);
    expect(verdicts[1]?.stats.n_candidate).toBe(400);
    const last = verdicts[2] as Extract<Verdict, { type: 'promote' | 'reject' }>;
    expect(last.major).toBe(2);
    expect(last.reason).toMatch(/beats champion 1/);
    expect(last.stats.step).toBe(3);
    expect(last.stats.step_outcomes).toBeGreaterThanOrEqual(200);
    expect(last.stats.lower).toBeGreaterThan(0);
    expect(m.done).toBe(true);
    expect(m.arms).toEqual([{ major: 2, share: 1 }]);
  });

  it('rejects a worse candidate without reaching the last step', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    const verdicts = drive(m, { 1: 0.8, 2: 0.6 }, 2);
    const last = verdicts.at(-1) as Extract<Verdict, { type: 'promote' | 'reject' }>;
    expect(last.type).toBe('reject');
    expect(last.reason).toMatch(/not better than champion 1/);
    expect(last.stats.upper).toBeLessThan(0);
    expect(m.arms).toEqual([]);
  });

  it("rejects an equal candidate as 'inconclusive' after maxSamples candidate outcomes", () => {
    const m = new RolloutMachine(plan({ policy: 'canary', steps: [0.5, 1], minSamples: 50, maxSamples: 2000 }), 1, [2]);
    const verdicts = drive(m, { 1: 1, 2: 1 }, 3);
    expect(verdicts.at(-1)).toMatchObject({ type: 'reject', major: 2, reason: 'inconclusive' });
    expect(verdicts.at(-1)?.stats.outcomes).toBe(2000);
  });

  it('ignores outcomes of unknown majors and observations of other policies', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    expect(m.observeOutcome(9, 1)).toBeUndefined();
    expect(m.observePaired(1, new Map([[2, 1]]))).toBeUndefined();
    expect(m.observePreference(1)).toBeUndefined();
    expect(m.stats().n_candidate).toBe(0);
  });
});

describe('RolloutMachine, ab', () => {
  it('tests each of k candidates at alpha / k; rejects the bad one (its share returns to the champion), promotes the good one', () => {
    const m = new RolloutMachine(plan({ policy: 'ab', split: 0.6 }), 1, [2, 3]);
    expect(m.arms).toEqual([
      { major: 2, share: 0.3 },
      { major: 3, share: 0.3 },
    ]);
    const verdicts = drive(m, { 1: 0.8, 2: 0.6, 3: 0.9 }, 4);
    expect(verdicts.map((v) => [v.type, 'major' in v ? v.major : 0])).toEqual([
      ['reject', 2],
      ['promote', 3],
    ]);
    expect(verdicts[0]?.stats.alpha).toBe(0.025);
    expect(m.done).toBe(true);
    const s = m.stats();
    expect(Object.keys(s)).toContain('n_candidate_2');
    expect(Object.keys(s)).toContain('lower_3');
  });

  it('after one of two candidates is rejected, the other keeps split / k', () => {
    const m = new RolloutMachine(plan({ policy: 'ab', split: 0.5 }), 1, [2, 3]);
    drive(m, { 1: 0.8, 2: 0.5, 3: 0.8 }, 5, 3000);
    expect(m.done).toBe(false);
    expect(m.arms).toEqual([{ major: 3, share: 0.25 }]);
  });
});

describe('RolloutMachine, shadow and interleave', () => {
  it('shadow: a paired test per candidate, shares 0, promotes a better one', () => {
    const m = new RolloutMachine(plan({ policy: 'shadow' }), 1, [2, 3]);
    expect(m.arms).toEqual([
      { major: 2, share: 0 },
      { major: 3, share: 0 },
    ]);
    const rng = createRng(6);
    let v: Verdict | undefined;
    for (let i = 0; i < 50_000 && !v; i++) {
      const u = rng.next();
      v = m.observePaired(
        u < 0.8 ? 1 : 0,
        new Map([
          [2, u < 0.8 ? 1 : 0],
          [3, u < 0.9 ? 1 : 0],
        ]),
      );
    }
    expect(v).toMatchObject({ type: 'promote', major: 3 });
    expect(m.observeOutcome(1, 1)).toBeUndefined();
  });

  it('interleave: the preference test; arms carry the interleaved share', () => {
    const m = new RolloutMachine(plan({ policy: 'interleave', split: 0.2 }), 1, [2]);
    expect(m.arms).toEqual([{ major: 2, share: 0.2 }]);
    const rng = createRng(8);
    let v: Verdict | undefined;
    for (let i = 0; i < 50_000 && !v; i++) v = m.observePreference(rng.next() < 0.3 ? undefined : rng.next() < 0.6 ? 1 : 0);
    expect(v).toMatchObject({ type: 'promote', major: 2 });
  });
});

describe('RolloutMachine, guardrails', () => {
  it('rejects at once when failures exceed maxErrorRate, read only after minRequests; the reason names the figure', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    for (let i = 0; i < 5; i++) expect(m.observeRequest(2, { failed: true })).toBeUndefined();
    for (let i = 5; i < 199; i++) expect(m.observeRequest(2, { failed: false })).toBeUndefined();
    const v = m.observeRequest(2, { failed: false });
    expect(v).toMatchObject({ type: 'reject', major: 2 });
    expect(v?.reason).toMatch(/maxErrorRate: 5 of 200 requests .*0\.025 > 0\.01/);
    expect(m.done).toBe(true);
  });

  it('keeps a candidate at exactly the allowed error rate', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    for (let i = 0; i < 1000; i++) expect(m.observeRequest(2, { failed: i % 100 === 99 })).toBeUndefined();
  });

  it('rejects when the latency p99 exceeds maxLatencyP99Ms: 1% slow requests pass, one more trips it', () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    for (let i = 0; i < 990; i++) expect(m.observeRequest(2, { failed: false, latencyMs: 5 })).toBeUndefined();
    for (let i = 0; i < 10; i++) expect(m.observeRequest(2, { failed: false, latencyMs: 80 })).toBeUndefined();
    const v = m.observeRequest(2, { failed: false, latencyMs: 80 });
    expect(v?.reason).toMatch(/maxLatencyP99Ms: predict latency p99 ~8\d(\.\d+)? ms > 50 ms over 1001 requests/);
  });

  it("ignores the champion's requests", () => {
    const m = new RolloutMachine(plan({ policy: 'canary' }), 1, [2]);
    for (let i = 0; i < 500; i++) expect(m.observeRequest(1, { failed: true })).toBeUndefined();
  });
});

describe('RolloutMachine, construction', () => {
  it('refuses immediate, a canary or interleave with several candidates, canary steps [1], the champion as a candidate', () => {
    expect(() => new RolloutMachine(plan({ policy: 'immediate' }), 1, [2])).toThrow(ConfigError);
    expect(() => new RolloutMachine(plan({ policy: 'canary' }), 1, [2, 3])).toThrow(/one candidate/);
    expect(() => new RolloutMachine(plan({ policy: 'interleave' }), 1, [2, 3])).toThrow(/one candidate/);
    expect(() => new RolloutMachine(plan({ policy: 'canary', steps: [1] }), 1, [2])).toThrow(/step below 1/);
    expect(() => new RolloutMachine(plan({ policy: 'ab' }), 1, [1])).toThrow(/distinct/);
    expect(() => new RolloutMachine(plan({ policy: 'ab' }), 1, [])).toThrow(/at least one/);
  });
});

/** Any mix of observations of every kind, as the decider might send them. */
const observation = fc.oneof(
  fc.record({ kind: fc.constant('outcome' as const), major: fc.constantFrom(1, 2, 3), reward: fc.constantFrom(0, 1, 0.5, -3) }),
  fc.record({ kind: fc.constant('request' as const), major: fc.constantFrom(1, 2, 3), failed: fc.boolean(), latencyMs: fc.constantFrom(1, 100) }),
  fc.record({ kind: fc.constant('paired' as const), a: fc.constantFrom(0, 1), b: fc.constantFrom(0, 1) }),
  fc.record({ kind: fc.constant('preference' as const), winner: fc.constantFrom<0 | 1 | undefined>(0, 1, undefined) }),
);

function observeAny(
  m: RolloutMachine,
  o:
    | { kind: 'outcome'; major: number; reward: number }
    | { kind: 'request'; major: number; failed: boolean; latencyMs: number }
    | { kind: 'paired'; a: number; b: number }
    | { kind: 'preference'; winner: 0 | 1 | undefined },
): Verdict | undefined {
  switch (o.kind) {
    case 'outcome':
      return m.observeOutcome(o.major, o.reward);
    case 'request':
      return m.observeRequest(o.major, o);
    case 'paired':
      return m.observePaired(o.a, new Map([[2, o.b]]));
    default:
      return m.observePreference(o.winner);
  }
}

describe('RolloutMachine, properties', () => {
  const policies = fc.constantFrom('canary', 'ab', 'shadow', 'interleave');

  it('never emits after done, and the same observations give the same verdicts', () => {
    fc.assert(
      fc.property(policies, fc.array(observation, { maxLength: 400 }), fc.integer({ min: 1, max: 20 }), (policy, obs, minSamples) => {
        const p = plan({ policy, minSamples, maxSamples: Math.max(minSamples, 60), guardrails: { minRequests: 5 } });
        const m = new RolloutMachine(p, 1, [2]);
        const twin = new RolloutMachine(p, 1, [2]);
        let done = false;
        for (const o of obs) {
          const v = observeAny(m, o);
          expect(observeAny(twin, o)).toEqual(v);
          if (done) expect(v).toBeUndefined();
          if (v && v.type !== 'step') expect(m.done).toBe(true);
          done = m.done;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives no test verdict before minSamples outcomes of each arm (requests without failures or delay)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('canary', 'ab'),
        fc.array(fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(0, 1)), { maxLength: 600 }),
        fc.integer({ min: 1, max: 100 }),
        (policy, obs, minSamples) => {
          const m = new RolloutMachine(plan({ policy, minSamples }), 1, [2]);
          const n = { 1: 0, 2: 0 } as Record<number, number>;
          for (const [major, reward] of obs) {
            n[major]!++;
            const v = m.observeOutcome(major, reward);
            if (v && v.type !== 'step') expect(Math.min(n[1]!, n[2]!)).toBeGreaterThanOrEqual(minSamples);
            if (v?.type === 'step') expect(v.stats.n_candidate).toBeGreaterThanOrEqual(minSamples);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
