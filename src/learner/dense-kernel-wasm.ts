import { MOVE, type DenseKernel } from './dense-kernel.js';
import { addTo, backward, bytesOf, dense, high, I, low, zero2, type Code } from './dense-kernel-wasm-passes.js';
import { assemble, Fn } from './wasm-emitter.js';

/**
 * `DenseKernel` in WebAssembly with 128-bit SIMD, written as bytes at load time (wasm-emitter.ts). Float32 values
 * are processed four at a time: Adam, SGD, the averages' moves, the clipping scale and the sums of squares in
 * f32x4 (IEEE float32 add, mul, div and sqrt round exactly as the reference's `Math.fround` chains do), dot
 * products in two f64x2 accumulators per four outputs, each output summed over its inputs in the reference's
 * order, so a layer's outputs and gradients are those of the reference loops to the bit. Hidden layers: relu and
 * linear (the trainer takes the reference loops for tanh and sigmoid, which need exp).
 */

/** Sum of squares: four values at a time into two f64x2 sums, then the rest one at a time. */
function sumsq(): { fn: Fn; body: Code[] } {
  const f = new Fn(
    'sumsq',
    [
      ['p', 'i32'],
      ['len', 'i32'],
    ],
    ['f64'],
  );
  f.locals('i32', 'k', 'end').locals('f64', 'z', 'x').locals('v128', 'acc0', 'acc1', 'v');
  const sq = (half: Code) => [...half, ...half, ...I.f64x2Mul];
  const body = [
    bytesOf(f, 'p'),
    zero2,
    f.set('acc0'),
    zero2,
    f.set('acc1'),
    f.get('len'),
    I.i32(-4),
    I.i32And,
    I.i32(2),
    I.i32Shl,
    f.set('end'),
    f.for(
      'k',
      I.i32(0),
      f.get('end'),
      16,
      f.get('p'),
      f.get('k'),
      I.i32Add,
      I.v128Load(),
      f.set('v'),
      addTo(f, 'acc0', sq(low(f, 'v'))),
      addTo(f, 'acc1', sq(high(f, 'v'))),
    ),
    f.get('acc0'),
    I.f64x2ExtractLane(0),
    f.get('acc0'),
    I.f64x2ExtractLane(1),
    I.f64Add,
    f.get('acc1'),
    I.f64x2ExtractLane(0),
    I.f64Add,
    f.get('acc1'),
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

/** Each average's move after the update of the four weights in `wv` at byte offset k: a copy or a step toward them. */
function averages(f: Fn): number[] {
  return [1, 2].flatMap((j) => {
    const a = `a${j}`;
    const addr = [...f.get(a), ...f.get('k'), ...I.i32Add];
    return [
      ...f.get(`mode${j}`),
      ...I.i32(MOVE.copy),
      ...I.i32Eq,
      ...I.if(addr, f.get('wv'), I.v128Store()),
      ...f.get(`mode${j}`),
      ...I.i32(MOVE.toward),
      ...I.i32Eq,
      ...I.if(addr, addr, I.v128Load(), f.tee('av'), f.get('wv'), f.get('av'), I.f32x4Sub, f.get(`k${j}`), I.f32x4Mul, I.f32x4Add, I.v128Store()),
    ];
  });
}

const averageParams: [string, 'i32' | 'f32'][] = [
  ['mode1', 'i32'],
  ['k1v', 'f32'],
  ['mode2', 'i32'],
  ['k2v', 'f32'],
];
const splatAverages = (f: Fn) => [...f.get('k1v'), ...I.f32x4Splat, ...f.set('k1'), ...f.get('k2v'), ...I.f32x4Splat, ...f.set('k2')];

/** The lanes of the f32x4 in local x with a magnitude below the smallest normal float32 set to 0 (NaN kept). */
const flush = (f: Fn, x: string) => [...f.get(x), ...f.get(x), ...I.f32x4Abs, ...I.f32(2 ** -126), ...I.f32x4Splat, ...I.f32x4Lt, ...I.v128AndNot, ...f.set(x)];

/** tfjs Adam, op for op in float32, with subnormal moments flushed to 0 (see `DenseKernel.adam`), four weights at a time, then the averages' moves. */
function adam(): { fn: Fn; body: Code[] } {
  const ptrs = ['w', 'g', 'm', 'v', 'a1', 'a2', 'len'];
  const consts = ['b1', 'b2', 'c1', 'c2', 'eps', 'lr', 'om1', 'om2'];
  const f = new Fn('adam', [...ptrs.map((n) => [n, 'i32'] as [string, 'i32']), ...consts.map((n) => [`${n}s`, 'f32'] as [string, 'f32']), ...averageParams]);
  f.locals('i32', 'k').locals('v128', ...consts, 'k1', 'k2', 'gv', 'mv', 'vv', 'wv', 'av');
  const ld = (p: string) => [...f.get(p), ...f.get('k'), ...I.i32Add, ...I.v128Load()];
  const st = (p: string, v: string) => [...f.get(p), ...f.get('k'), ...I.i32Add, ...f.get(v), ...I.v128Store()];
  const body = [
    bytesOf(f, ...ptrs),
    consts.flatMap((c) => [...f.get(`${c}s`), ...I.f32x4Splat, ...f.set(c)]),
    splatAverages(f),
    f.for(
      'k',
      I.i32(0),
      f.get('len'),
      16,
      ld('g'),
      f.set('gv'),
      ld('m'),
      f.get('b1'),
      I.f32x4Mul,
      f.get('gv'),
      f.get('c1'),
      I.f32x4Mul,
      I.f32x4Add,
      f.set('mv'),
      flush(f, 'mv'),
      st('m', 'mv'),
      ld('v'),
      f.get('b2'),
      I.f32x4Mul,
      f.get('gv'),
      f.get('gv'),
      I.f32x4Mul,
      f.get('c2'),
      I.f32x4Mul,
      I.f32x4Add,
      f.set('vv'),
      flush(f, 'vv'),
      st('v', 'vv'),
      f.get('mv'),
      f.get('om1'),
      I.f32x4Div,
      f.get('vv'),
      f.get('om2'),
      I.f32x4Div,
      I.f32x4Sqrt,
      f.get('eps'),
      I.f32x4Add,
      I.f32x4Div,
      f.get('lr'),
      I.f32x4Mul,
      ld('w'),
      I.f32x4Add,
      f.set('wv'),
      st('w', 'wv'),
      averages(f),
    ),
  ];
  return { fn: f, body };
}

/** tfjs SGD (w + lr * g, lr negated), four weights at a time, then the averages' moves. */
function sgd(): { fn: Fn; body: Code[] } {
  const ptrs = ['w', 'g', 'a1', 'a2', 'len'];
  const f = new Fn('sgd', [...ptrs.map((n) => [n, 'i32'] as [string, 'i32']), ['lrs', 'f32'], ...averageParams]);
  f.locals('i32', 'k').locals('v128', 'lr', 'k1', 'k2', 'wv', 'av');
  const body = [
    bytesOf(f, ...ptrs),
    f.get('lrs'),
    I.f32x4Splat,
    f.set('lr'),
    splatAverages(f),
    f.for(
      'k',
      I.i32(0),
      f.get('len'),
      16,
      f.get('lr'),
      f.get('g'),
      f.get('k'),
      I.i32Add,
      I.v128Load(),
      I.f32x4Mul,
      f.get('w'),
      f.get('k'),
      I.i32Add,
      I.v128Load(),
      I.f32x4Add,
      f.set('wv'),
      f.get('w'),
      f.get('k'),
      I.i32Add,
      f.get('wv'),
      I.v128Store(),
      averages(f),
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

let compiled: object | null | undefined;

/** The module, compiled once; null where this runtime has no WebAssembly SIMD. */
export function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(assemble([dense(), backward(), sumsq(), scale(), adam(), sgd()])) : null;
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
