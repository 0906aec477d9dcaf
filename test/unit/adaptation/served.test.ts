import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelManager } from '../../../src/adaptation/index.js';
import { ServedMetric } from '../../../src/adaptation/served.js';
import { scenarioBatch, scenarioManagerOptions } from '../../support/manager-scenario.js';

describe('the served metric', () => {
  it('is the accuracy of every finite error since the start, however the batches were split, and continues after a restore', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.constant(Number.NaN)), { maxLength: 40 }), { maxLength: 20 }), (batches) => {
        const whole = new ServedMetric('classification');
        const first = new ServedMetric('classification');
        const half = Math.floor(batches.length / 2);
        batches.forEach((b, i) => {
          whole.add(Float32Array.from(b));
          if (i < half) first.add(Float32Array.from(b));
        });
        const restored = new ServedMetric('classification');
        restored.restore(JSON.parse(JSON.stringify(first.state())));
        batches.slice(half).forEach((b) => restored.add(Float32Array.from(b)));
        const finite = batches.flat().filter((e) => !Number.isNaN(e));
        expect(restored.values()).toEqual(whole.values());
        expect(whole.values().served_samples).toBe(finite.length);
        if (finite.length) expect(whole.values().served_accuracy).toBeCloseTo(1 - finite.reduce((a, b) => a + b, 0) / finite.length, 12);
      }),
    );
  });

  it('is the mean absolute error for regression, and ignores an unreadable checkpoint', () => {
    const m = new ServedMetric('regression');
    m.restore({ samples: -1, errors: 3 });
    m.add(Float32Array.from([1, 3]));
    expect(m.values()).toEqual({ served_mae: 2, served_samples: 2 });
  });

  it('comes with the manager metrics and its checkpointed state, and a restored manager continues it', async () => {
    const a = await ModelManager.create(scenarioManagerOptions());
    for (let i = 0; i < 20; i++) await a.step(scenarioBatch(i));
    const state = await a.state();
    const snapshot = await a.learner.snapshot();
    const b = await ModelManager.create(scenarioManagerOptions(), { snapshot, state });
    for (let i = 20; i < 30; i++) {
      await a.step(scenarioBatch(i));
      await b.step(scenarioBatch(i));
    }
    expect(b.metrics().served_samples).toBe(30 * scenarioBatch(0).size);
    expect(b.metrics().served_accuracy).toBe(a.metrics().served_accuracy);
    expect(a.metrics().served_accuracy).toBeGreaterThan(0.5);
    a.dispose();
    b.dispose();
  });
});
