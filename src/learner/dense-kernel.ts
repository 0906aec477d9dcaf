/**
 * The loops of the typed trainer's steps, over one heap of float32 values addressed by index: the weights, their
 * gradients, Adam's moments, the averages, the inputs and every layer's activations live in it (`DenseSteps`
 * lays it out). Two implementations with one contract: `referenceKernel()` below, plain loops that spell out the
 * arithmetic, and `wasmKernel()` (dense-kernel-wasm.ts), the same arithmetic in WebAssembly SIMD, which the
 * trainer uses. Both compute dot products in float64, in the same order, and round once per stored value; every
 * other value is rounded to float32 op for op as tfjs-core rounds it. They differ only in the order in which
 * `sumsq` adds up its squares (the gradient norm, the L2 penalty), which can move the last bit of that sum.
 */

/** Activation codes: of a layer's output (`dense`), or of the layer before (`backward`; 0: none, the input). */
export const ACT = { none: 0, linear: 1, relu: 2, tanh: 3, sigmoid: 4 } as const;

/** An average's move after a step (`WeightAverage.advance`): none, a copy, or average + (trained - average) * k. */
export const MOVE = { none: 0, copy: 1, toward: 2 } as const;

/** Adam's constants for one step, each a float32 (see `adamConstants`). */
export interface AdamConstants {
  readonly b1: number;
  readonly b2: number;
  readonly c1: number;
  readonly c2: number;
  readonly eps: number;
  /** The negated learning rate. */
  readonly lr: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  readonly om1: number;
  readonly om2: number;
}

export interface DenseKernel {
  readonly name: 'wasm' | 'reference';
  /** The heap's values; a new array once `reserve()` has grown it. */
  readonly heap: Float32Array;
  /** Makes the heap hold at least `floats` values, keeping its contents. */
  reserve(floats: number): void;
  /** out[r, o] = act(b[o] + sum_i x[r, i] * w[i, o]) for `rows` rows (w: inW x outW, row-major). */
  dense(x: number, w: number, b: number, out: number, rows: number, inW: number, outW: number, act: number): void;
  /**
   * A layer's backward pass on n rows of its input `a` and output delta `d`: gw[i, o] = sum_r a[r, i] d[r, o]
   * (+ w[i, o] * l2x2 when l2x2 is not 0), gb[o] = sum_r d[r, o], and unless `prevAct` is 0 the previous layer's
   * delta prev[r, i] = (sum_o d[r, o] w[i, o]) times its activation's derivative written in terms of a.
   */
  backward(a: number, d: number, w: number, gw: number, gb: number, prev: number, n: number, inW: number, outW: number, l2x2: number, prevAct: number): void;
  /** Sum of squares of len values, in float64. */
  sumsq(p: number, len: number): number;
  /** p[k] *= s, len a multiple of 4. */
  scale(p: number, len: number, s: number): void;
  /**
   * tfjs Adam on len weights (a multiple of 4), then each average's move, in one pass. One difference from tfjs:
   * a moment whose magnitude falls below the smallest normal float32 (2^-126) is set to 0. The moments of a weight
   * whose gradient stays 0 (a relu unit that is off) decay into the subnormal range and stay there (m * 0.9 rounds
   * back to the smallest subnormals), and the processor computes with subnormal numbers some hundred times slower;
   * flushed, they cost nothing. The weights do not notice: such a moment moves a weight by at most
   * lr * 2^-126 / epsilon, below a float32 weight's last bit unless the weight is itself below about 1e-24.
   */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    a1: number,
    a2: number,
    len: number,
    c: AdamConstants,
    mode1: number,
    k1: number,
    mode2: number,
    k2: number,
  ): void;
  /** tfjs SGD (w + lr * g, `lr` negated), then each average's move, in one pass. */
  sgd(w: number, g: number, a1: number, a2: number, len: number, lr: number, mode1: number, k1: number, mode2: number, k2: number): void;
}

const f32 = Math.fround;
/** The smallest normal float32. */
const MIN_NORMAL = 2 ** -126;
/** A subnormal value as 0 (see `DenseKernel.adam`). */
const flush = (x: number) => (Math.abs(x) < MIN_NORMAL ? 0 : x);

/** The reference loops, on a plain Float32Array heap: for any Dense stack (also tanh and sigmoid hidden layers). */
export function referenceKernel(): DenseKernel {
  let heap = new Float32Array(1024);
  const activate = (act: number, z: number): number =>
    act === ACT.relu ? (z > 0 ? z : 0) : act === ACT.tanh ? Math.tanh(z) : act === ACT.sigmoid ? 1 / (1 + Math.exp(-z)) : z;
  const average = (w: number, a: number, len: number, mode: number, k: number) => {
    if (mode === MOVE.copy) heap.copyWithin(a, w, w + len);
    else if (mode === MOVE.toward)
      for (let j = 0; j < len; j++) heap[a + j] = f32((heap[a + j] as number) + f32(f32((heap[w + j] as number) - (heap[a + j] as number)) * k));
  };
  return {
    name: 'reference',
    get heap() {
      return heap;
    },
    reserve(floats) {
      if (floats <= heap.length) return;
      const grown = new Float32Array(Math.max(floats, heap.length * 2));
      grown.set(heap);
      heap = grown;
    },
    dense(x, w, b, out, rows, inW, outW, act) {
      for (let r = 0; r < rows; r++)
        for (let o = 0; o < outW; o++) {
          let z = heap[b + o] as number;
          for (let i = 0; i < inW; i++) z += (heap[x + r * inW + i] as number) * (heap[w + i * outW + o] as number);
          heap[out + r * outW + o] = activate(act, z);
        }
    },
    backward(a, d, w, gw, gb, prev, n, inW, outW, l2x2, prevAct) {
      for (let i = 0; i < inW; i++)
        for (let o = 0; o < outW; o++) {
          let g = 0;
          for (let r = 0; r < n; r++) g += (heap[a + r * inW + i] as number) * (heap[d + r * outW + o] as number);
          heap[gw + i * outW + o] = l2x2 !== 0 ? f32(f32(g) + f32((heap[w + i * outW + o] as number) * l2x2)) : g;
        }
      for (let o = 0; o < outW; o++) {
        let g = 0;
        for (let r = 0; r < n; r++) g += heap[d + r * outW + o] as number;
        heap[gb + o] = g;
      }
      if (prevAct === ACT.none) return;
      for (let r = 0; r < n; r++)
        for (let i = 0; i < inW; i++) {
          let da = 0;
          for (let o = 0; o < outW; o++) da += (heap[d + r * outW + o] as number) * (heap[w + i * outW + o] as number);
          const out = heap[a + r * inW + i] as number;
          heap[prev + r * inW + i] =
            prevAct === ACT.relu ? (out > 0 ? da : 0) : prevAct === ACT.tanh ? da * (1 - out * out) : prevAct === ACT.sigmoid ? da * out * (1 - out) : da;
        }
    },
    sumsq(p, len) {
      let s = 0;
      for (let k = 0; k < len; k++) s += (heap[p + k] as number) * (heap[p + k] as number);
      return s;
    },
    scale(p, len, s) {
      for (let k = 0; k < len; k++) heap[p + k] = f32((heap[p + k] as number) * s);
    },
    adam(w, g, m, v, a1, a2, len, c, mode1, k1, mode2, k2) {
      for (let k = 0; k < len; k++) {
        const gk = heap[g + k] as number;
        const mk = flush(f32(f32((heap[m + k] as number) * c.b1) + f32(gk * c.c1)));
        const vk = flush(f32(f32((heap[v + k] as number) * c.b2) + f32(f32(gk * gk) * c.c2)));
        heap[m + k] = mk;
        heap[v + k] = vk;
        const mHat = f32(mk / c.om1);
        const vHat = f32(vk / c.om2);
        heap[w + k] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + c.eps)) * c.lr) + (heap[w + k] as number));
      }
      average(w, a1, len, mode1, k1);
      average(w, a2, len, mode2, k2);
    },
    sgd(w, g, a1, a2, len, lr, mode1, k1, mode2, k2) {
      for (let k = 0; k < len; k++) heap[w + k] = f32(f32(lr * (heap[g + k] as number)) + (heap[w + k] as number));
      average(w, a1, len, mode1, k1);
      average(w, a2, len, mode2, k2);
    },
  };
}
