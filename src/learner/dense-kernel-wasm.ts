import { ACT, MOVE, type DenseKernel } from './dense-kernel.js';
import { assemble, Fn, op } from './wasm-emitter.js';

/**
 * `DenseKernel` in WebAssembly with 128-bit SIMD, written as bytes at load time (wasm-emitter.ts). Float32 values
 * are processed four at a time: Adam, SGD, the averages' moves, the clipping scale and the sums of squares in
 * f32x4 (IEEE float32 add, mul, div and sqrt round exactly as the reference's `Math.fround` chains do), dot
 * products in two f64x2 accumulators per four outputs, each output summed over its inputs in the reference's
 * order, so a layer's outputs and gradients are those of the reference loops to the bit. Hidden layers: relu and
 * linear (the trainer takes the reference loops for tanh and sigmoid, which need exp).
 */

type Code = readonly number[];
const I = op;
/** A byte address base + index * 4 (index an i32 expression). */
const at = (f: Fn, base: string, index: Code): number[] => [...f.get(base), ...index, ...I.i32(2), ...I.i32Shl, ...I.i32Add];
const bytesOf = (f: Fn, ...names: string[]): number[] => names.flatMap((n) => [...f.get(n), ...I.i32(2), ...I.i32Shl, ...f.set(n)]);
/** Pushes the f64x2 promotion of lanes 0-1 (then 2-3) of a local f32x4. */
const low = (f: Fn, v: string) => [...f.get(v), ...I.f64x2PromoteLowF32x4];
const high = (f: Fn, v: string) => [...f.get(v), ...f.get(v), ...I.upperHalf, ...I.f64x2PromoteLowF32x4];
const join = (f: Fn) => [...f.get('acc0'), ...I.f32x4DemoteF64x2Zero, ...f.get('acc1'), ...I.f32x4DemoteF64x2Zero, ...I.joinLow];
const addTo = (f: Fn, acc: string, ...value: Code[]) => [...f.get(acc), ...value.flat(), ...I.f64x2Add, ...f.set(acc)];
const zero2 = [...I.f64(0), ...I.f64x2Splat];
const mul = (a: Code, b: Code) => [...a, ...b, ...I.i32Mul];
const add = (a: Code, b: Code) => [...a, ...b, ...I.i32Add];

function dense(): { fn: Fn; body: Code[] } {
  const f = new Fn('dense', ['x', 'w', 'b', 'out', 'rows', 'inW', 'outW', 'act'].map((n) => [n, 'i32'] as [string, 'i32']));
  f.locals('i32', 'r', 'o', 'i', 'wp', 'stride', 'relu').locals('f64', 'z').locals('f32', 'zf').locals('v128', 'acc0', 'acc1', 'xi', 'wv');
  const xi = [...at(f, 'x', f.get('i')), ...I.f32Load(), ...I.f64PromoteF32];
  const body = [
    bytesOf(f, 'x', 'w', 'b', 'out'),
    f.get('outW'), I.i32(2), I.i32Shl, f.set('stride'),
    f.get('act'), I.i32(ACT.relu), I.i32Eq, f.set('relu'),
    f.for('r', I.i32(0), f.get('rows'), 1,
      I.i32(0), f.set('o'),
      // Four outputs at a time: bias, then each input's products added in order, in float64.
      I.block(I.loop(
        f.get('o'), I.i32(4), I.i32Add, f.get('outW'), I.i32GtS, I.brIf(1),
        at(f, 'b', f.get('o')), I.v128Load(), f.set('wv'),
        low(f, 'wv'), f.set('acc0'), high(f, 'wv'), f.set('acc1'),
        at(f, 'w', f.get('o')), f.set('wp'),
        f.for('i', I.i32(0), f.get('inW'), 1,
          xi, I.f64x2Splat, f.set('xi'),
          f.get('wp'), I.v128Load(), f.set('wv'),
          addTo(f, 'acc0', f.get('xi'), low(f, 'wv'), I.f64x2Mul),
          addTo(f, 'acc1', f.get('xi'), high(f, 'wv'), I.f64x2Mul),
          f.get('wp'), f.get('stride'), I.i32Add, f.set('wp'),
        ),
        join(f), f.set('wv'),
        // relu: the lanes above 0 kept, the others (NaN too) 0, as `z > 0 ? z : 0`.
        f.get('relu'), I.if(f.get('wv'), f.get('wv'), I.f32(0), I.f32x4Splat, I.f32x4Gt, I.v128And, f.set('wv')),
        at(f, 'out', f.get('o')), f.get('wv'), I.v128Store(),
        f.get('o'), I.i32(4), I.i32Add, f.set('o'), I.br(0),
      )),
      // The remaining outputs one at a time.
      I.block(I.loop(
        f.get('o'), f.get('outW'), I.i32GeS, I.brIf(1),
        at(f, 'b', f.get('o')), I.f32Load(), I.f64PromoteF32, f.set('z'),
        at(f, 'w', f.get('o')), f.set('wp'),
        f.for('i', I.i32(0), f.get('inW'), 1,
          f.get('z'), xi, f.get('wp'), I.f32Load(), I.f64PromoteF32, I.f64Mul, I.f64Add, f.set('z'),
          f.get('wp'), f.get('stride'), I.i32Add, f.set('wp'),
        ),
        f.get('z'), I.f32DemoteF64, f.set('zf'),
        f.get('relu'), I.if(f.get('zf'), I.f32(0), f.get('zf'), I.f32(0), I.f32Gt, I.select, f.set('zf')),
        at(f, 'out', f.get('o')), f.get('zf'), I.f32Store(),
        f.get('o'), I.i32(1), I.i32Add, f.set('o'), I.br(0),
      )),
      f.get('x'), f.get('inW'), I.i32(2), I.i32Shl, I.i32Add, f.set('x'),
      f.get('out'), f.get('stride'), I.i32Add, f.set('out'),
    ),
  ];
  return { fn: f, body };
}

function backward(): { fn: Fn; body: Code[] } {
  const names = ['a', 'd', 'w', 'gw', 'gb', 'prev', 'n', 'inW', 'outW'];
  const f = new Fn('backward', [...names.map((n) => [n, 'i32'] as [string, 'i32']), ['l2x2', 'f32'], ['prevAct', 'i32']]);
  f.locals('i32', 'r', 'o', 'i', 'l2').locals('f64', 'z', 'out').locals('f32', 'zf').locals('v128', 'acc0', 'acc1', 'ai', 'dv');
  const dAt = (o: Code) => at(f, 'd', add(mul(f.get('r'), f.get('outW')), o));
  const wAt = (o: Code) => at(f, 'w', add(mul(f.get('i'), f.get('outW')), o));
  const gwAt = at(f, 'gw', add(mul(f.get('i'), f.get('outW')), f.get('o')));
  const rowAt = (base: string) => at(f, base, add(mul(f.get('r'), f.get('inW')), f.get('i')));
  const scalarD = [...dAt(f.get('o')), ...I.f32Load(), ...I.f64PromoteF32];
  /** Four outputs at a time, then one at a time: `block4` and `block1` are the bodies, `o` the output. */
  const overOutputs = (block4: Code[], block1: Code[]) => [
    ...I.i32(0), ...f.set('o'),
    ...I.block(I.loop(f.get('o'), I.i32(4), I.i32Add, f.get('outW'), I.i32GtS, I.brIf(1), ...block4, f.get('o'), I.i32(4), I.i32Add, f.set('o'), I.br(0))),
    ...I.block(I.loop(f.get('o'), f.get('outW'), I.i32GeS, I.brIf(1), ...block1, f.get('o'), I.i32(1), I.i32Add, f.set('o'), I.br(0))),
  ];
  const body = [
    bytesOf(f, 'a', 'd', 'w', 'gw', 'gb', 'prev'),
    f.get('l2x2'), I.f32(0), I.f32Ne, f.set('l2'),
    // gw[i, o] = sum_r a[r, i] d[r, o] in float64 (+ w[i, o] * l2x2 in float32).
    f.for('i', I.i32(0), f.get('inW'), 1,
      overOutputs(
        [
          zero2, f.set('acc0'), zero2, f.set('acc1'),
          f.for('r', I.i32(0), f.get('n'), 1,
            rowAt('a'), I.f32Load(), I.f64PromoteF32, I.f64x2Splat, f.set('ai'),
            dAt(f.get('o')), I.v128Load(), f.set('dv'),
            addTo(f, 'acc0', f.get('ai'), low(f, 'dv'), I.f64x2Mul),
            addTo(f, 'acc1', f.get('ai'), high(f, 'dv'), I.f64x2Mul),
          ),
          join(f), f.set('dv'),
          f.get('l2'), I.if(f.get('dv'), wAt(f.get('o')), I.v128Load(), f.get('l2x2'), I.f32x4Splat, I.f32x4Mul, I.f32x4Add, f.set('dv')),
          gwAt, f.get('dv'), I.v128Store(),
        ],
        [
          I.f64(0), f.set('z'),
          f.for('r', I.i32(0), f.get('n'), 1, f.get('z'), rowAt('a'), I.f32Load(), I.f64PromoteF32, scalarD, I.f64Mul, I.f64Add, f.set('z')),
          f.get('z'), I.f32DemoteF64, f.set('zf'),
          f.get('l2'), I.if(f.get('zf'), wAt(f.get('o')), I.f32Load(), f.get('l2x2'), I.f32Mul, I.f32Add, f.set('zf')),
          gwAt, f.get('zf'), I.f32Store(),
        ],
      ),
    ),
    // gb[o] = sum_r d[r, o].
    overOutputs(
      [
        zero2, f.set('acc0'), zero2, f.set('acc1'),
        f.for('r', I.i32(0), f.get('n'), 1, dAt(f.get('o')), I.v128Load(), f.set('dv'), addTo(f, 'acc0', low(f, 'dv')), addTo(f, 'acc1', high(f, 'dv'))),
        at(f, 'gb', f.get('o')), join(f), I.v128Store(),
      ],
      [
        I.f64(0), f.set('z'),
        f.for('r', I.i32(0), f.get('n'), 1, f.get('z'), scalarD, I.f64Add, f.set('z')),
        at(f, 'gb', f.get('o')), f.get('z'), I.f32DemoteF64, I.f32Store(),
      ],
    ),
    // The previous layer's delta: (sum_o d[r, o] w[i, o]) times its activation's derivative, in float64.
    f.get('prevAct'), I.i32Eqz, I.if(I.ret),
    f.for('r', I.i32(0), f.get('n'), 1,
      f.for('i', I.i32(0), f.get('inW'), 1,
        I.f64(0), f.set('z'),
        f.for('o', I.i32(0), f.get('outW'), 1, f.get('z'), scalarD, wAt(f.get('o')), I.f32Load(), I.f64PromoteF32, I.f64Mul, I.f64Add, f.set('z')),
        rowAt('a'), I.f32Load(), I.f64PromoteF32, f.set('out'),
        f.get('prevAct'), I.i32(ACT.relu), I.i32Eq,
        I.if(f.get('z'), I.f64(0), f.get('out'), I.f64(0), I.f64Gt, I.select, f.set('z')),
        f.get('prevAct'), I.i32(ACT.tanh), I.i32Eq,
        I.if(f.get('z'), I.f64(1), f.get('out'), f.get('out'), I.f64Mul, I.f64Sub, I.f64Mul, f.set('z')),
        f.get('prevAct'), I.i32(ACT.sigmoid), I.i32Eq,
        I.if(f.get('z'), f.get('out'), I.f64Mul, I.f64(1), f.get('out'), I.f64Sub, I.f64Mul, f.set('z')),
        rowAt('prev'), f.get('z'), I.f32DemoteF64, I.f32Store(),
      ),
    ),
  ];
  return { fn: f, body };
}

/** Sum of squares: four values at a time into two f64x2 sums, then the rest one at a time. */
function sumsq(): { fn: Fn; body: Code[] } {
  const f = new Fn('sumsq', [['p', 'i32'], ['len', 'i32']], ['f64']);
  f.locals('i32', 'k', 'end').locals('f64', 'z', 'x').locals('v128', 'acc0', 'acc1', 'v');
  const sq = (half: Code) => [...half, ...half, ...I.f64x2Mul];
  const body = [
    bytesOf(f, 'p'),
    zero2, f.set('acc0'), zero2, f.set('acc1'),
    f.get('len'), I.i32(-4), I.i32And, I.i32(2), I.i32Shl, f.set('end'),
    f.for('k', I.i32(0), f.get('end'), 16,
      f.get('p'), f.get('k'), I.i32Add, I.v128Load(), f.set('v'),
      addTo(f, 'acc0', sq(low(f, 'v'))), addTo(f, 'acc1', sq(high(f, 'v'))),
    ),
    f.get('acc0'), I.f64x2ExtractLane(0), f.get('acc0'), I.f64x2ExtractLane(1), I.f64Add,
    f.get('acc1'), I.f64x2ExtractLane(0), I.f64Add, f.get('acc1'), I.f64x2ExtractLane(1), I.f64Add, f.set('z'),
    f.for('k', f.get('end'), [...f.get('len'), ...I.i32(2), ...I.i32Shl], 4,
      f.get('p'), f.get('k'), I.i32Add, I.f32Load(), I.f64PromoteF32, f.tee('x'), f.get('x'), I.f64Mul, f.get('z'), I.f64Add, f.set('z'),
    ),
    f.get('z'),
  ];
  return { fn: f, body };
}

function scale(): { fn: Fn; body: Code[] } {
  const f = new Fn('scale', [['p', 'i32'], ['len', 'i32'], ['s', 'f32']]);
  f.locals('i32', 'k', 'end').locals('v128', 'sv');
  const body = [
    bytesOf(f, 'p', 'len'),
    f.get('s'), I.f32x4Splat, f.set('sv'),
    f.for('k', I.i32(0), f.get('len'), 16, f.get('p'), f.get('k'), I.i32Add, f.get('p'), f.get('k'), I.i32Add, I.v128Load(), f.get('sv'), I.f32x4Mul, I.v128Store()),
  ];
  return { fn: f, body };
}

/** Each average's move after the update of the four weights in `wv` at byte offset k: a copy or a step toward them. */
function averages(f: Fn): number[] {
  return [1, 2].flatMap((j) => {
    const a = `a${j}`;
    const addr = [...f.get(a), ...f.get('k'), ...I.i32Add];
    return [
      ...f.get(`mode${j}`), ...I.i32(MOVE.copy), ...I.i32Eq, ...I.if(addr, f.get('wv'), I.v128Store()),
      ...f.get(`mode${j}`), ...I.i32(MOVE.toward), ...I.i32Eq,
      ...I.if(addr, addr, I.v128Load(), f.tee('av'), f.get('wv'), f.get('av'), I.f32x4Sub, f.get(`k${j}`), I.f32x4Mul, I.f32x4Add, I.v128Store()),
    ];
  });
}

const averageParams: [string, 'i32' | 'f32'][] = [['mode1', 'i32'], ['k1v', 'f32'], ['mode2', 'i32'], ['k2v', 'f32']];
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
    f.for('k', I.i32(0), f.get('len'), 16,
      ld('g'), f.set('gv'),
      ld('m'), f.get('b1'), I.f32x4Mul, f.get('gv'), f.get('c1'), I.f32x4Mul, I.f32x4Add, f.set('mv'), flush(f, 'mv'), st('m', 'mv'),
      ld('v'), f.get('b2'), I.f32x4Mul, f.get('gv'), f.get('gv'), I.f32x4Mul, f.get('c2'), I.f32x4Mul, I.f32x4Add, f.set('vv'), flush(f, 'vv'), st('v', 'vv'),
      f.get('mv'), f.get('om1'), I.f32x4Div,
      f.get('vv'), f.get('om2'), I.f32x4Div, I.f32x4Sqrt, f.get('eps'), I.f32x4Add,
      I.f32x4Div, f.get('lr'), I.f32x4Mul, ld('w'), I.f32x4Add, f.set('wv'), st('w', 'wv'),
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
    f.get('lrs'), I.f32x4Splat, f.set('lr'),
    splatAverages(f),
    f.for('k', I.i32(0), f.get('len'), 16,
      f.get('lr'), f.get('g'), f.get('k'), I.i32Add, I.v128Load(), I.f32x4Mul, f.get('w'), f.get('k'), I.i32Add, I.v128Load(), I.f32x4Add, f.set('wv'),
      f.get('w'), f.get('k'), I.i32Add, f.get('wv'), I.v128Store(),
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
