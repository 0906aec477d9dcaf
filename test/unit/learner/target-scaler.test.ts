import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/index.js';
import { DenseGradients, selectBackend, tf } from '../../../src/learner/index.js';
import { foldIntoOutput, lossAndGradient, TargetScaler, unscale, type RegressionLoss } from '../../../src/learner/target-scaler.js';
import { tfjsStep } from '../../../src/learner/tfjs-step.js';

const logger = createLogger({ level: 'silent' });
const HUBER: RegressionLoss = { type: 'huber', delta: 0.7 };

describe('TargetScaler', () => {
  it('holds the mean and population deviation of every finite label, in any batching (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 9 }), (ys, chunk) => {
        const f32 = ys.map(Math.fround);
        const s = new TargetScaler(undefined, 1);
        for (let at = 0; at < f32.length; at += chunk) s.update(Float32Array.from(f32.slice(at, at + chunk)));
        const mean = f32.reduce((a, b) => a + b, 0) / f32.length;
        const sd = Math.sqrt(f32.reduce((a, b) => a + (b - mean) ** 2, 0) / f32.length);
        const [m, d] = s.affine();
        const big = Math.max(1, ...f32.map(Math.abs));
        if (sd > 1e-6 * big) {
          expect(Math.abs(m - mean)).toBeLessThanOrEqual(1e-9 * big);
          expect(Math.abs(d / sd - 1)).toBeLessThan(1e-6);
        } else expect(d === 1 || Math.abs(d / sd - 1) < 1e-3).toBe(true);
        expect(s.samples).toBe(ys.length);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves non-finite labels out, is the identity before minSamples and at a zero deviation, and checkpoints nothing before', () => {
    const s = new TargetScaler(undefined, 3);
    s.update(Float32Array.from([4, Number.NaN, 4, Infinity]));
    expect(s.samples).toBe(2);
    expect(s.affine()).toEqual([0, 1]);
    expect(s.state()).toEqual({ count: 0, mean: 0, m2: 0 });
    s.update(Float32Array.from([4, -Infinity]));
    expect(s.affine()).toEqual([0, 1]); // three labels, all 4: deviation 0
    s.update(Float32Array.from([8]));
    expect(s.affine()).toEqual([5, Math.sqrt(3)]);
    expect(Array.from(s.scale(Float32Array.from([5, Number.NaN])))).toEqual([0, Number.NaN]);
    const restored = new TargetScaler(s.state(), 3);
    expect(restored.state()).toEqual(s.state());
    expect(restored.affine()).toEqual(s.affine());
    expect(TargetScaler.fits({ count: 2, mean: Number.NaN, m2: 0 })).toBe(false);
    expect(TargetScaler.fits({ count: 2, mean: 1, m2: -1 })).toBe(false);
  });

  it('folding into the last layer then predicting equals predicting on the scaled target then unscaling (property)', () => {
    const num = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 6, maxLength: 6 }),
        fc.array(num, { minLength: 2, maxLength: 2 }),
        fc.array(num, { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 2, maxLength: 40 }),
        (k, b, x, targets) => {
          // The scale comes from random targets, as the learner's does.
          const s = new TargetScaler(undefined, 1);
          s.update(Float32Array.from(targets));
          const affine = s.affine();
          const kernel = Float32Array.from(k);
          const bias = Float32Array.from(b);
          const f = foldIntoOutput(kernel, bias, affine);
          const z = new Float32Array(2);
          const folded = new Float32Array(2);
          for (let o = 0; o < 2; o++) {
            let zo = bias[o] as number;
            let fo = f.bias[o] as number;
            for (let i = 0; i < 3; i++) {
              zo += (x[i] as number) * (kernel[i * 2 + o] as number);
              fo += (x[i] as number) * (f.kernel[i * 2 + o] as number);
            }
            z[o] = zo;
            folded[o] = fo;
          }
          const expected = unscale(z.slice(), affine);
          for (let o = 0; o < 2; o++) {
            let magnitude = Math.abs(affine[0]) + Math.abs((f.bias[o] as number) - affine[0]);
            for (let i = 0; i < 3; i++) magnitude += Math.abs((x[i] as number) * (f.kernel[i * 2 + o] as number));
            expect(Math.abs((folded[o] as number) - (expected[o] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, magnitude));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Huber loss', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('lossAndGradient: the squared loss within delta, linear beyond, and its derivative (finite differences)', () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), (e, delta) => {
        const loss = { type: 'huber' as const, delta };
        const [l, g] = lossAndGradient(e, loss);
        if (Math.abs(e) <= delta) expect([l, g]).toEqual(lossAndGradient(e, { type: 'squared', delta }));
        else expect(Math.abs(g)).toBe(2 * delta);
        const h = 1e-6;
        const fd = (lossAndGradient(e + h, loss)[0] - lossAndGradient(e - h, loss)[0]) / (2 * h);
        expect(Math.abs(fd - g)).toBeLessThan(1e-4 * Math.max(1, Math.abs(g)));
      }),
    );
  });

  /** A two-layer regression model (tanh hidden layer), seeded, and a batch with some errors far beyond delta. */
  function setUp() {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    model.add(tf.layers.dense({ units: 1, activation: 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const features = Float32Array.from([0.5, -1, 2, 1, 0.3, -0.2, -1.5, 0.8, 0.1, 0.2, 0.2, 0.2, -0.7, 1.1, 0.4]);
    const labels = Float32Array.from([3, -0.1, 0.2, -4, 0.05]);
    return { model, features, labels, size: 5 };
  }

  it('the hand-written gradient matches finite differences of the Huber loss', () => {
    const { model, features, labels, size } = setUp();
    const dense = DenseGradients.of(model, 'regression', HUBER);
    expect(dense).toBeDefined();
    const d = dense as DenseGradients;
    const lossNow = () => tf.tidy(() => d.run(tf.tensor2d(features, [size, 3]), tf.tensor1d(labels)).loss.dataSync()[0] as number);
    const grads = tf.tidy(() => {
      const r = d.run(tf.tensor2d(features, [size, 3]), tf.tensor1d(labels));
      return Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, Array.from(g.dataSync())]));
    });
    const h = 1e-2;
    let checked = 0;
    for (const layer of d.layers) {
      for (const v of [layer.kernel, layer.bias as tf.Variable]) {
        const base = Float32Array.from(v.dataSync());
        for (let k = 0; k < base.length; k++) {
          const at = (delta: number) => {
            const w = base.slice();
            w[k] = (w[k] as number) + delta;
            v.assign(tf.tensor(w, v.shape));
            return lossNow();
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          v.assign(tf.tensor(base, v.shape));
          const g = grads[v.name]?.[k] as number;
          expect(Math.abs(fd - g)).toBeLessThan(2e-3 + 1e-2 * Math.abs(g));
          checked += 1;
        }
      }
    }
    expect(checked).toBe(3 * 4 + 4 + 4 + 1);
    model.dispose();
  });

  it('the tfjs autodiff fallback takes the same Huber step as the hand-written gradient', () => {
    const run = (autodiff: boolean) => {
      const { model, features, labels, size } = setUp();
      const dense = DenseGradients.of(model, 'regression', HUBER);
      const optimizer = tf.train.sgd(0.1);
      const r = tfjsStep(features, labels, size, 3, {
        trained: { model, dense: autodiff ? undefined : dense },
        optimizer,
        kind: 'regression',
        loss: HUBER,
        clipNorm: 100,
        wantOutputs: true,
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      optimizer.dispose();
      return { loss: r.loss, weights };
    };
    const a = run(true);
    const b = run(false);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    a.weights.forEach((w, i) => w.forEach((v, k) => expect(Math.abs(v - (b.weights[i]?.[k] as number))).toBeLessThan(1e-5)));
  });
});
