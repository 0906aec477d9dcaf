import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceKernel, type DenseKernel } from '../../../src/learner/dense-kernel.js';
import { wasmKernel } from '../../../src/learner/dense-kernel-wasm.js';
import { AdamSchedule, adamConstants, DenseSteps, type LayerShape } from '../../../src/learner/dense-steps.js';
import { adamPowers } from '../../../src/learner/optimizer.js';
import type { OutputKind } from '../../../src/learner/models.js';

/** A random small Dense stack and what it learns: 1-2 hidden layers, an output kind, data, steps. */
const stack = fc.record({
  width: fc.integer({ min: 1, max: 9 }),
  hidden: fc.array(fc.integer({ min: 1, max: 21 }), { minLength: 1, maxLength: 2 }),
  activation: fc.constantFrom('relu', 'linear'),
  kind: fc.constantFrom<OutputKind>('binary', 'multiclass', 'regression'),
  classes: fc.integer({ min: 3, max: 5 }),
  l2: fc.constantFrom<number>(0, 0, 0.01),
  adam: fc.boolean(),
  /** The averages' moves after each step (`WeightAverage.advance`): none, a copy (1), a step toward the weights. */
  moves: fc.constantFrom<number[]>([], [0.3], [1], [0.3, 0.1], [0.3, 1], [1, 0.3], [0, 0.2]),
  /** Steps already taken: from 20,000 on, 1 - beta^t is 1 in float32 for both moments (no bias correction). */
  start: fc.constantFrom(0, 0, 170, 20_000),
  size: fc.integer({ min: 1, max: 24 }),
  chunk: fc.constantFrom(1, 1, 2, 5, 24),
  clipNorm: fc.constantFrom<number>(0.05, 1, 100),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});
type Stack = typeof stack extends fc.Arbitrary<infer T> ? T : never;

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1;
}

/** Steps as TypedDenseTrainer.run takes them: scores of every weight set, then guarded, clipped steps of `chunk` rows. */
function learn(
  kernel: DenseKernel,
  c: Stack,
  batches: number,
  /** Skip the sum of squares where `normBelow` shows the norm below clipNorm (as TypedDenseTrainer.run does). */
  bound = false,
): { scores: Float32Array[]; losses: number[]; heap: Float32Array; P: number; bounded: number } {
  const units = c.kind === 'multiclass' ? c.classes : 1;
  const widths = [c.width, ...c.hidden, units];
  const layers: LayerShape[] = widths.slice(1).map((outW, i) => ({ inW: widths[i] as number, outW, activation: c.activation, l2: c.l2 }));
  const steps = new DenseSteps(layers, c.kind, kernel);
  const rnd = random(c.seed);
  // Weights and averages at random, moments 0.
  for (const block of [0, 4, 5])
    layers.forEach((l, li) => {
      for (let k = 0; k < l.inW * l.outW + l.outW; k++) kernel.heap[steps.block(block) + (steps.kernelAt[li] as number) + k] = Math.fround(rnd() * 0.8);
    });
  const scores: Float32Array[] = [];
  const losses: number[] = [];
  let iterations = c.start;
  let bounded = 0;
  for (let b = 0; b < batches; b++) {
    const features = Float32Array.from({ length: c.size * c.width }, () => rnd() * 2);
    const labels = Float32Array.from({ length: c.size }, () =>
      c.kind === 'binary' ? Number(rnd() > 0) : c.kind === 'multiclass' ? Math.floor(((rnd() + 1) / 2) * units * 0.999) : rnd() * 3,
    );
    steps.load(features, labels, c.size, c.chunk);
    for (const k of [0, 4, 5]) scores.push(steps.score(k, c.size));
    for (let at = 0; at < c.size; at += c.chunk) {
      const n = Math.min(c.size, at + c.chunk) - at;
      losses.push(steps.gradient(at, n));
      if (bound && steps.normBelow(at, n, c.clipNorm)) bounded++;
      else {
        const norm = Math.fround(Math.sqrt(Math.fround(steps.gradientSquares())));
        if (norm > c.clipNorm) steps.scaleGradient(Math.fround(c.clipNorm / norm));
      }
      const adam = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.05 };
      steps.update(c.adam ? adamConstants(adam, adamPowers(0.9, 0.999, iterations)) : undefined, Math.fround(-0.05), c.moves);
      iterations++;
    }
  }
  return { scores, losses, heap: kernel.heap.slice(0, 6 * steps.P), P: steps.P, bounded };
}

/** Largest difference relative to the values' scale (1 at least). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(a[i] as number)));
  return w;
}

describe('the wasm SIMD kernel', () => {
  it('is available on this runtime (Node has WebAssembly SIMD)', () => {
    expect(wasmKernel()?.name).toBe('wasm');
  });

  // The kernels differ only in the order `sumsq` adds squares (the gradient norm, the L2 penalty); the norm is
  // rounded to float32, so that order shows only where it moves the float32 norm's last bit and the step is
  // clipped. 1e-5 bounds the drift that can start over 3 batches of steps.
  it('learns what the reference loops learn on random Dense stacks (property)', () => {
    fc.assert(
      fc.property(stack, (c) => {
        const fast = learn(wasmKernel() as DenseKernel, c, 3);
        const ref = learn(referenceKernel(), c, 3);
        fast.scores.forEach((s, i) => expect(worst(s, ref.scores[i] as Float32Array)).toBeLessThan(1e-5));
        expect(worst(fast.losses, ref.losses)).toBeLessThan(1e-5);
        // Weights, gradient, both moments and both averages.
        expect(worst(fast.heap, ref.heap)).toBeLessThan(1e-5);
      }),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it('gives the reference values to the bit without clipping (both sum dot products in float64, in the same order)', () => {
    fc.assert(
      fc.property(stack, (c0) => {
        const c = { ...c0, clipNorm: 1e9 };
        const fast = learn(wasmKernel() as DenseKernel, c, 2);
        const ref = learn(referenceKernel(), c, 2);
        fast.scores.forEach((s, i) => expect(Array.from(s)).toEqual(Array.from(ref.scores[i] as Float32Array)));
        expect(Array.from(fast.heap)).toEqual(Array.from(ref.heap));
      }),
      { numRuns: 120, seed: 7 },
    );
  });

  it("a one-row step's norm bound (normBelow) decides as the sum over every weight does: the same values to the bit (property)", () => {
    let bounded = 0;
    let steps = 0;
    fc.assert(
      fc.property(stack, fc.constantFrom<number>(0.05, 1, 3, 100), (c0, clipNorm) => {
        const c = { ...c0, clipNorm };
        for (const kernel of [() => wasmKernel() as DenseKernel, referenceKernel]) {
          const fast = learn(kernel(), c, 2, true);
          const full = learn(kernel(), c, 2);
          fast.scores.forEach((s, i) => expect(Array.from(s)).toEqual(Array.from(full.scores[i] as Float32Array)));
          expect(fast.losses).toEqual(full.losses);
          expect(Array.from(fast.heap)).toEqual(Array.from(full.heap));
          if (c.l2 > 0) expect(fast.bounded).toBe(0);
          bounded += fast.bounded;
          steps += fast.losses.length;
        }
      }),
      { numRuns: 150, seed: 20261203 },
    );
    // The bound decided a good share of the steps, and left the others to the full sum.
    expect(bounded).toBeGreaterThan(steps / 10);
    expect(bounded).toBeLessThan(steps);
  });

  it('flushes subnormal Adam moments to 0 in both kernels, and leaves the weights as unflushed moments would', () => {
    for (const kernel of [wasmKernel() as DenseKernel, referenceKernel()]) {
      kernel.reserve(64);
      const h = kernel.heap;
      h.fill(0, 0, 64);
      // Weights 0.5, gradients 0, first moments subnormal (4) or tiny normal (5..7), second moments 1e-3.
      for (let k = 0; k < 8; k++) h[k] = 0.5;
      h.fill(1e-39, 16, 20);
      h.fill(1e-30, 20, 24);
      h.fill(1e-3, 24, 32);
      const c = adamConstants({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.01 }, adamPowers(0.9, 0.999, 10));
      kernel.adam(0, 8, 16, 24, 40, 48, 8, c, 0, 0, 0, 0);
      expect(Array.from(h.subarray(16, 20))).toEqual([0, 0, 0, 0]);
      for (let k = 20; k < 24; k++) expect(h[k]).toBe(Math.fround(Math.fround(1e-30) * Math.fround(0.9)));
      for (let k = 0; k < 8; k++) expect(h[k]).toBe(0.5);
    }
  });
});

describe('AdamSchedule', () => {
  it("gives Adam's constants of every step, also once they settle, when steps go back, and when the settings change", () => {
    const schedule = new AdamSchedule();
    const a = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.01 };
    const runs: [typeof a, number, number, number][] = [
      [a, 0, 30_000, 1],
      [{ ...a, learningRate: 0.02 }, 25_000, 26_000, 1],
      [a, 100, 200, 1],
      [a, 16_000, 19_000, 1],
      [{ ...a, beta2: 0.9999 }, 0, 400_000, 97],
    ];
    let settled = 0;
    for (const [s, from, to, by] of runs)
      for (let t = from; t < to; t += by) {
        const c = schedule.constants(s, t);
        if (c.om1 === 1 && c.om2 === 1) settled++;
        expect(c).toEqual(adamConstants(s, adamPowers(s.beta1, s.beta2, t)));
      }
    expect(settled).toBeGreaterThan(10_000);
  });
});
