import type { DenseKernel } from './dense-kernel.js';
import { bytesOf, I, matmul, zero2, type Code } from './dense-kernel-wasm-passes.js';
import { backward } from './dense-kernel-wasm-backward.js';
import { adam, sgd } from './dense-kernel-wasm-update.js';
import { assemble, Fn } from './wasm-emitter.js';

/**
 * `DenseKernel` in WebAssembly with 128-bit SIMD, written as bytes at load time (wasm-emitter.ts). Float32 values
 * are processed four at a time: Adam, SGD, the averages' moves, the clipping scale and the sums of squares in
 * f32x4 (IEEE float32 add, mul, div and sqrt round exactly as the reference's `Math.fround` chains do), dot
 * products in two f64x2 accumulators per four outputs, each output summed over its inputs in the reference's
 * order, so a layer's outputs and gradients are those of the reference loops to the bit. Hidden layers: relu and
 * linear (the trainer takes the reference loops for tanh and sigmoid, which need exp).
 */

/** Sum of squares: eight values at a time into four f64x2 sums (two values each), then the rest one at a time. */
function sumsq(): { fn: Fn; body: Code[] } {
  const f = new Fn(
    'sumsq',
    [
      ['p', 'i32'],
      ['len', 'i32'],
    ],
    ['f64'],
  );
  f.locals('i32', 'k', 'end').locals('f64', 'z', 'x').locals('v128', 'acc0', 'acc1', 'acc2', 'acc3', 'v');
  const accs = [0, 1, 2, 3];
  const body = [
    bytesOf(f, 'p'),
    accs.flatMap((a) => [...zero2, ...f.set(`acc${a}`)]),
    f.get('len'),
    I.i32(-8),
    I.i32And,
    I.i32(2),
    I.i32Shl,
    f.set('end'),
    f.for(
      'k',
      I.i32(0),
      f.get('end'),
      32,
      accs.flatMap((a) => [
        ...f.get('p'),
        ...f.get('k'),
        ...I.i32Add,
        ...I.v128Load64Zero(8 * a),
        ...I.f64x2PromoteLowF32x4,
        ...f.tee('v'),
        ...f.get('v'),
        ...I.f64x2Mul,
        ...f.get(`acc${a}`),
        ...I.f64x2Add,
        ...f.set(`acc${a}`),
      ]),
    ),
    f.get('acc0'),
    f.get('acc1'),
    I.f64x2Add,
    f.get('acc2'),
    f.get('acc3'),
    I.f64x2Add,
    I.f64x2Add,
    f.tee('v'),
    I.f64x2ExtractLane(0),
    f.get('v'),
    I.f64x2ExtractLane(1),
    I.f64Add,
    f.set('z'),
    f.for(
      'k',
      f.get('end'),
      [...f.get('len'), ...I.i32(2), ...I.i32Shl],
      4,
      f.get('p'),
      f.get('k'),
      I.i32Add,
      I.f32Load(),
      I.f64PromoteF32,
      f.tee('x'),
      f.get('x'),
      I.f64Mul,
      f.get('z'),
      I.f64Add,
      f.set('z'),
    ),
    f.get('z'),
  ];
  return { fn: f, body };
}

function scale(): { fn: Fn; body: Code[] } {
  const f = new Fn('scale', [
    ['p', 'i32'],
    ['len', 'i32'],
    ['s', 'f32'],
  ]);
  f.locals('i32', 'k', 'end').locals('v128', 'sv');
  const body = [
    bytesOf(f, 'p', 'len'),
    f.get('s'),
    I.f32x4Splat,
    f.set('sv'),
    f.for(
      'k',
      I.i32(0),
      f.get('len'),
      16,
      f.get('p'),
      f.get('k'),
      I.i32Add,
      f.get('p'),
      f.get('k'),
      I.i32Add,
      I.v128Load(),
      f.get('sv'),
      I.f32x4Mul,
      I.v128Store(),
    ),
  ];
  return { fn: f, body };
}

interface Exports {
  dense: DenseKernel['dense'];
  backward: DenseKernel['backward'];
  sumsq: DenseKernel['sumsq'];
  scale: DenseKernel['scale'];
  sgd: DenseKernel['sgd'];
  adam(...args: number[]): void;
}

/** The WebAssembly API this module uses (the project's TypeScript libs declare no WebAssembly values). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer; grow(pages: number): number };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The index of `gradw` among the module's functions (backward calls it). */
const GRADW = 6;

let compiled: object | null | undefined;

/** The module, compiled once; null where this runtime has no WebAssembly SIMD. */
export function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(assemble([matmul('dense'), backward(GRADW), sumsq(), scale(), adam(), sgd(), matmul('gradw')])) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A kernel with its own memory; undefined where WebAssembly SIMD is not available. */
export function wasmKernel(): DenseKernel | undefined {
  const module = kernelModule();
  if (!module || !wasmApi) return undefined;
  const memory = new wasmApi.Memory({ initial: 1 });
  const e = new wasmApi.Instance(module, { env: { memory } }).exports as Exports;
  let heap = new Float32Array(memory.buffer);
  return {
    name: 'wasm',
    get heap() {
      return heap;
    },
    reserve(floats) {
      const missing = floats * 4 - memory.buffer.byteLength;
      if (missing <= 0) return;
      memory.grow(Math.ceil(missing / 65_536));
      heap = new Float32Array(memory.buffer);
    },
    dense: e.dense,
    backward: e.backward,
    sumsq: e.sumsq,
    scale: (p, len, s) => e.scale(p, len, s),
    adam: (w, g, m, v, a1, a2, len, c, mode1, k1, mode2, k2) =>
      e.adam(w, g, m, v, a1, a2, len, c.b1, c.b2, c.c1, c.c2, c.eps, c.lr, c.om1, c.om2, mode1, k1, mode2, k2),
    sgd: e.sgd,
  };
}
