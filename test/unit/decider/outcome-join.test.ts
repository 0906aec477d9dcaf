import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '../../../src/core/index.js';
import { OutcomeJoin } from '../../../src/decider/index.js';

const prediction = (id: string, servedAt: number): PredictionEvent => ({ requestId: id, model: 'm', version: '1.0', servedAt, output: Float32Array.of(0.9) });

describe('OutcomeJoin', () => {
  it('joins a label to its prediction whichever comes first, once', () => {
    const j = new OutcomeJoin({ maxDelayMs: 1_000, maxPending: 100 });
    expect(j.addPrediction(prediction('a', 0))).toBeUndefined();
    expect(j.addLabel('a', 1, 500).map((o) => [o.prediction.requestId, o.label])).toEqual([['a', 1]]);
    expect(j.addLabel('a', 0, 600)).toEqual([]);
    expect(j.addLabel('b', 0, 700)).toEqual([]);
    expect(j.addPrediction(prediction('b', 650))?.label).toBe(0);
    expect(j.addPrediction(prediction('b', 650))).toBeUndefined();
    expect(j.pending).toBe(0);
  });

  it('settles a prediction with the default label once the labels pass its deadline', () => {
    const j = new OutcomeJoin({ maxDelayMs: 1_000, maxPending: 100, defaultLabel: 0 });
    j.addPrediction(prediction('a', 0));
    expect(j.addLabel('x', 1, 900)).toEqual([]);
    const settled = j.addLabel('y', 1, 1_001);
    expect(settled.map((o) => [o.prediction.requestId, o.label, o.defaulted])).toEqual([['a', 0, true]]);
  });

  it('does not score a late prediction without a default label, and never holds more than maxPending', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5_000 })), { maxLength: 300 }), (ops) => {
        const j = new OutcomeJoin({ maxDelayMs: 500, maxPending: 20 });
        const scored = new Set<string>();
        for (const [isLabel, id, t] of ops) {
          const out = isLabel ? j.addLabel(String(id), 1, t) : [j.addPrediction(prediction(String(id), t))].filter((o) => o !== undefined);
          for (const o of out) {
            expect(o.defaulted).toBe(false);
            expect(scored.has(o.prediction.requestId)).toBe(false);
            scored.add(o.prediction.requestId);
          }
          expect(j.pending).toBeLessThanOrEqual(21);
        }
      }),
    );
  });
});
