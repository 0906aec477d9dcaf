import { ACT, MOVE, type AdamConstants, type DenseKernel } from './dense-kernel.js';
import { SQUARED_LOSS, type RegressionLoss } from './target-scaler.js';
import type { OutputKind } from './models.js';
import { adamPowers } from './optimizer.js';

/** What the steps need of one Dense layer (every layer has a bias). */
export interface LayerShape {
  readonly inW: number;
  readonly outW: number;
  /** Hidden layers: relu, linear, tanh or sigmoid; the output layer's is implied by the output kind. */
  readonly activation: string;
  readonly l2: number;
}

/** The averages a step moves (at most two), each by its `WeightAverage.advance` result: 0 nothing, 1 a copy, else the fraction. */
export type AverageMoves = readonly number[];

const f32 = Math.fround;
const pad4 = (n: number) => (n + 3) & ~3;
const actCode = (a: string): number => (a === 'relu' ? ACT.relu : a === 'tanh' ? ACT.tanh : a === 'sigmoid' ? ACT.sigmoid : ACT.linear);

/**
 * A Dense stack's scoring and gradient steps on a kernel's heap (`DenseKernel`). The heap holds, each in a block
 * of `P` values (every layer's kernel then bias, input layer first, padded to a multiple of 4 with zeros that
 * stay zero): the trained weights, their gradient, Adam's two moments and two averages; after them the batch's
 * features and labels and every layer's outputs. The loss and the output layer's delta, which need exp and log,
 * are computed here; the rest runs in the kernel.
 */
export class DenseSteps {
  /** Values per block. */
  readonly P: number;
  /** Offsets of each layer's kernel and bias within a block. */
  readonly kernelAt: readonly number[];
  readonly biasAt: readonly number[];
  private readonly acts: readonly number[];
  private readonly l2x2: readonly number[];
  /** Whether any layer has an L2 penalty (its gradient then has a term the bound of `normBelow` leaves out). */
  private readonly anyL2: boolean;
  private x = 0;
  private y = 0;
  private width = 0;
  private train: number[] = [];
  private deltas: number[] = [];
  private scoring: number[] = [];

  constructor(
    readonly layers: readonly LayerShape[],
    readonly kind: OutputKind,
    readonly kernel: DenseKernel,
    private readonly loss: RegressionLoss = SQUARED_LOSS,
  ) {
    const kernelAt: number[] = [];
    const biasAt: number[] = [];
    let n = 0;
    for (const l of layers) {
      kernelAt.push(n);
      n += l.inW * l.outW;
      biasAt.push(n);
      n += l.outW;
    }
    this.P = pad4(n);
    this.kernelAt = kernelAt;
    this.biasAt = biasAt;
    this.acts = layers.map((l, i) => (i === layers.length - 1 ? ACT.linear : actCode(l.activation)));
    this.l2x2 = layers.map((l) => (l.l2 > 0 ? f32(2 * l.l2) : 0));
    this.anyL2 = this.l2x2.some((v) => v !== 0);
    kernel.reserve(6 * this.P);
    kernel.heap.fill(0, 0, 6 * this.P);
  }

  /** Start of a block: 0 the trained weights, 1 their gradient, 2 and 3 Adam's moments, 4 and 5 the averages. */
  block(k: number): number {
    return k * this.P;
  }

  /** Lays out the batch area for `size` rows of `width` features learned in slices of `chunk`, and copies them in. */
  load(features: Float32Array, labels: Float32Array, size: number, chunk: number): void {
    const width = this.layers[0]?.inW ?? 0;
    let at = 6 * this.P;
    const take = (n: number) => ((at += pad4(n)), at - pad4(n));
    this.width = width;
    this.x = take(size * width);
    this.y = take(size);
    this.train = this.layers.map((l) => take(chunk * l.outW));
    this.deltas = this.layers.map((l) => take(chunk * l.outW));
    this.scoring = this.layers.map((l) => take(size * l.outW));
    this.kernel.reserve(at);
    const heap = this.kernel.heap;
    heap.set(features.subarray(0, size * width), this.x);
    heap.set(labels.subarray(0, size), this.y);
  }

  /** Replaces the loaded rows' features (the labels stay): the steps that follow learn from these. */
  reload(features: Float32Array, size: number): void {
    this.kernel.heap.set(features.subarray(0, size * this.width), this.x);
  }

  /** Outputs of the loaded rows for the weights in block `k` (0 trained, 4 and 5 the averages), as predict() gives them. */
  score(k: number, size: number): Float32Array {
    const base = this.block(k);
    let input = this.x;
    this.layers.forEach((l, li) => {
      this.kernel.dense(
        input,
        base + (this.kernelAt[li] as number),
        base + (this.biasAt[li] as number),
        this.scoring[li] as number,
        size,
        l.inW,
        l.outW,
        this.acts[li] as number,
      );
      input = this.scoring[li] as number;
    });
    const heap = this.kernel.heap;
    const units = (this.layers[this.layers.length - 1] as LayerShape).outW;
    const out = heap.slice(input, input + size * units);
    if (this.kind === 'binary') for (let r = 0; r < size; r++) out[r] = 1 / (1 + Math.exp(-(out[r] as number)));
    else if (this.kind === 'multiclass')
      for (let r = 0; r < size; r++) {
        let max = -Infinity;
        for (let o = 0; o < units; o++) max = Math.max(max, heap[input + r * units + o] as number);
        let sum = 0;
        for (let o = 0; o < units; o++) sum += Math.exp((heap[input + r * units + o] as number) - max);
        for (let o = 0; o < units; o++) out[r * units + o] = Math.exp((heap[input + r * units + o] as number) - max) / sum;
      }
    return out;
  }

  /** Forward and backward pass of the trained weights on loaded rows [at, at + n): the gradient block filled; returns the mean loss. */
  gradient(at: number, n: number): number {
    const k = this.kernel;
    const layers = this.layers;
    const last = layers.length - 1;
    const x = this.x + at * this.width;
    let input = x;
    for (let li = 0; li <= last; li++) {
      const l = layers[li] as LayerShape;
      k.dense(input, this.kernelAt[li] as number, this.biasAt[li] as number, this.train[li] as number, n, l.inW, l.outW, this.acts[li] as number);
      input = this.train[li] as number;
    }
    let loss = this.outputDelta(input, this.deltas[last] as number, this.y + at, n, (layers[last] as LayerShape).outW);
    const G = this.P;
    for (let li = last; li >= 0; li--) {
      const l = layers[li] as LayerShape;
      const w = this.kernelAt[li] as number;
      const l2x2 = this.l2x2[li] as number;
      const a = li === 0 ? x : (this.train[li - 1] as number);
      const prev = li === 0 ? 0 : (this.deltas[li - 1] as number);
      k.backward(
        a,
        this.deltas[li] as number,
        w,
        G + w,
        G + (this.biasAt[li] as number),
        prev,
        n,
        l.inW,
        l.outW,
        l2x2,
        li === 0 ? ACT.none : (this.acts[li - 1] as number),
      );
      if (l2x2 !== 0) loss += k.sumsq(w, l.inW * l.outW) * l.l2;
    }
    return loss;
  }

  /** Sum of squares of the gradient. */
  gradientSquares(): number {
    return this.kernel.sumsq(this.block(1), this.P);
  }

  /**
   * Whether the gradient of a one-row step (`gradient(at, 1)`, no L2 penalty) has a finite global norm below
   * `limit`, shown from a bound instead of the sum over every weight (`gradientSquares`): with one row, a layer's
   * kernel gradient is the float32 products a[i] * d[o] of its input and delta and its bias gradient is d, so
   * its sum of squares is at most (sum a^2 + 1) * sum d^2 times (1 + 2^-23) for the products' rounding. The sums
   * run over a layer's input and output widths rather than its weights (8 + 64 + 64 + 1 values for an MLP 8-64-1
   * against 644). True only when the bound is finite and below 0.99 * limit^2, a margin far above the rounding
   * of the sums and of the float32 norm, so the step is then neither refused nor clipped, exactly as the norm
   * from `gradientSquares` would decide; false (compute that norm) otherwise, or with several rows or an L2 term.
   */
  normBelow(at: number, n: number, limit: number): boolean {
    if (n !== 1 || this.anyL2) return false;
    const k = this.kernel;
    let bound = 0;
    for (let li = 0; li < this.layers.length; li++) {
      const l = this.layers[li] as LayerShape;
      const a = li === 0 ? this.x + at * this.width : (this.train[li - 1] as number);
      bound += (k.sumsq(a, l.inW) + 1) * k.sumsq(this.deltas[li] as number, l.outW);
    }
    return bound < 0.99 * limit * limit;
  }

  /** Multiplies the gradient by s (clipping). */
  scaleGradient(s: number): void {
    this.kernel.scale(this.block(1), this.P, s);
  }

  /** An Adam step (`c`) or an SGD step (`sgdRate`, negated, when c is undefined), then the averages' moves. */
  update(c: AdamConstants | undefined, sgdRate: number, moves: AverageMoves): void {
    const m1 = moves[0] ?? 0;
    const m2 = moves[1] ?? 0;
    const mode1 = m1 === 0 ? MOVE.none : m1 >= 1 ? MOVE.copy : MOVE.toward;
    const mode2 = m2 === 0 ? MOVE.none : m2 >= 1 ? MOVE.copy : MOVE.toward;
    const P = this.P;
    if (c) this.kernel.adam(0, P, 2 * P, 3 * P, 4 * P, 5 * P, P, c, mode1, f32(m1), mode2, f32(m2));
    else this.kernel.sgd(0, P, 4 * P, 5 * P, P, sgdRate, mode1, f32(m1), mode2, f32(m2));
  }

  /** The output layer's delta dL/dz = (output - target) / n (x2 for squares) from its logits; returns the mean loss. */
  private outputDelta(z: number, dz: number, y: number, n: number, units: number): number {
    const h = this.kernel.heap;
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const target = h[y + r] as number;
      if (this.kind === 'binary') {
        const zr = h[z + r] as number;
        loss += (zr > 0 ? zr + Math.log1p(Math.exp(-zr)) : Math.log1p(Math.exp(zr))) - target * zr;
        h[dz + r] = f32((f32(1 / (1 + Math.exp(-zr))) - target) / n);
      } else if (this.kind === 'multiclass') {
        const row = z + r * units;
        let max = -Infinity;
        for (let o = 0; o < units; o++) max = Math.max(max, h[row + o] as number);
        let sum = 0;
        for (let o = 0; o < units; o++) sum += Math.exp((h[row + o] as number) - max);
        loss += max + Math.log(sum) - (h[row + target] as number);
        for (let o = 0; o < units; o++) h[dz + r * units + o] = f32((f32(Math.exp((h[row + o] as number) - max) / sum) - (o === target ? 1 : 0)) / n);
      } else {
        const err = f32((h[z + r] as number) - target);
        // Huber beyond delta (DenseGradients' formulas): the error clipped to +-delta in the gradient.
        const c = this.loss.type === 'huber' ? Math.max(-f32(this.loss.delta), Math.min(f32(this.loss.delta), err)) : err;
        loss += c === err ? err * err : 2 * c * err - c * c;
        h[dz + r] = f32(c * (2 / n));
      }
    }
    return loss / n;
  }
}

/** tfjs Adam's constants for the step after `iterations` steps, from beta^t (see `adamPowers`). */
export function adamConstants(a: { beta1: number; beta2: number; epsilon: number; learningRate: number }, powers: readonly [number, number]): AdamConstants {
  return {
    b1: f32(a.beta1),
    b2: f32(a.beta2),
    c1: f32(1 - a.beta1),
    c2: f32(1 - a.beta2),
    eps: f32(a.epsilon),
    lr: f32(-a.learningRate),
    om1: f32(1 - powers[0]),
    om2: f32(1 - powers[1]),
  };
}

type AdamSettings = { readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly learningRate: number };

/**
 * Adam's constants step after step (`adamConstants` of `adamPowers`), no longer computed once they stop changing:
 * when beta^t falls below half an ulp of 1, 1 - beta^t is 1 in float32, and stays 1 at every later step; once
 * that holds for both moments (for beta2 0.999 after some 17,000 steps), the constants are those of that step
 * until the optimizer's settings change.
 */
export class AdamSchedule {
  private settings?: AdamSettings;
  private settled?: { readonly from: number; readonly c: AdamConstants };

  constants(a: AdamSettings, iterations: number): AdamConstants {
    const s = this.settings;
    if (!s || s.beta1 !== a.beta1 || s.beta2 !== a.beta2 || s.epsilon !== a.epsilon || s.learningRate !== a.learningRate) {
      this.settings = { beta1: a.beta1, beta2: a.beta2, epsilon: a.epsilon, learningRate: a.learningRate };
      this.settled = undefined;
    }
    if (this.settled && iterations >= this.settled.from) return this.settled.c;
    const c = adamConstants(a, adamPowers(a.beta1, a.beta2, iterations));
    if (c.om1 === 1 && c.om2 === 1) this.settled = { from: iterations, c };
    return c;
  }
}
