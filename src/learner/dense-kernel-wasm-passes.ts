import { ACT } from './dense-kernel.js';
import { Fn, op } from './wasm-emitter.js';

/**
 * The wasm kernel's forward pass over a layer (see dense-kernel-wasm.ts; the backward pass is in
 * dense-kernel-wasm-backward.ts), and the helpers the kernel's functions share. Addresses are byte offsets into the heap; the functions take
 * float32 indexes and shift them.
 */

export type Code = readonly number[];
/** The instructions (wasm-emitter.ts). */
export const I = op;
/** A byte address base + index * 4 (index an i32 expression). */
export const at = (f: Fn, base: string, index: Code): number[] => [...f.get(base), ...index, ...I.i32(2), ...I.i32Shl, ...I.i32Add];
export const bytesOf = (f: Fn, ...names: string[]): number[] => names.flatMap((n) => [...f.get(n), ...I.i32(2), ...I.i32Shl, ...f.set(n)]);
/** Pushes the f64x2 promotion of lanes 0-1 (then 2-3) of a local f32x4. */
export const low = (f: Fn, v: string) => [...f.get(v), ...I.f64x2PromoteLowF32x4];
export const high = (f: Fn, v: string) => [...f.get(v), ...f.get(v), ...I.upperHalf, ...I.f64x2PromoteLowF32x4];
export const join = (f: Fn) => [...f.get('acc0'), ...I.f32x4DemoteF64x2Zero, ...f.get('acc1'), ...I.f32x4DemoteF64x2Zero, ...I.joinLow];
export const addTo = (f: Fn, acc: string, ...value: Code[]) => [...f.get(acc), ...value.flat(), ...I.f64x2Add, ...f.set(acc)];
export const zero2 = [...I.f64(0), ...I.f64x2Splat];

/** `while (cond) { body }`, `cond` pushing an i32. */
export const whileTrue = (cond: Code, ...body: Code[]): number[] => I.block(I.loop(cond, I.i32Eqz, I.brIf(1), ...body, I.br(0)));
/** name += by (i32). */
export const inc = (f: Fn, name: string, by: Code): number[] => [...f.get(name), ...by, ...I.i32Add, ...f.set(name)];
const acc = (r: number, g: number, h: number) => `acc${r}${g}${h}`;

/**
 * The function that multiplies rows of inputs by a weight matrix, written for two jobs. `dense`(x, w, b, out,
 * rows, inW, outW, act): a layer's forward pass (see `DenseKernel.dense`), each output its bias plus each input's
 * product in order. `gradw`(x, xs, xstep, w, stride, out, rows, inW, outW): out[r, o] = 0 + sum_i x[r * xs + i *
 * xstep] * w[i * stride + o], no bias and no activation, its inputs at any spacing (in floats): the backward
 * pass's kernel gradient, a sum over the rows of a batch, as a product with the layer's input read transposed.
 * Both sum in float64 in the reference's order and round once. Rows two at a time (the weights' loads and
 * promotions shared by both), four at a time below four outputs, a lone row sixteen, eight or four outputs at a
 * time (its input's promotion shared by all of them).
 */
export function matmul(job: 'dense' | 'gradw'): { fn: Fn; body: Code[] } {
  const bias = job === 'dense';
  const params = bias ? ['x', 'w', 'b', 'out', 'rows', 'inW', 'outW', 'act'] : ['x', 'xs', 'xstep', 'w', 'stride', 'out', 'rows', 'inW', 'outW'];
  const f = new Fn(
    job,
    params.map((n) => [n, 'i32'] as [string, 'i32']),
  );
  f.locals('i32', 'o', 'xp', 'xe', 'wp', 'relu', ...(bias ? ['stride', 'xs', 'xstep'] : []))
    .locals('f64', 'z0', 'z1', 'z2', 'z3', 'wz')
    .locals('f32', 'zf')
    .locals('v128', 'x0', 'x1', 'wv', 'lo', 'hi', ...[0, 1].flatMap((r) => [0, 1, 2, 3].flatMap((g) => [acc(r, g, 0), acc(r, g, 1)])));
  /** The byte address of output o of row r of the current rows. */
  const times = (n: string, r: number) => (r === 0 ? [] : [...f.get(n), ...(r > 1 ? [...I.i32(r), ...I.i32Mul] : []), ...I.i32Add]);
  const outAt = (r: number) => [...f.get('out'), ...times('stride', r), ...f.get('o'), ...I.i32(2), ...I.i32Shl, ...I.i32Add];
  /** Input i of row r: xp points at row 0's. */
  const xAt = (r: number) => [...f.get('xp'), ...times('xs', r), ...I.f32Load(), ...I.f64PromoteF32];
  /** Walks the inputs: xp over the row, wp down the weights' column o. */
  const overInputs = (...body: Code[]) => [
    ...at(f, 'w', f.get('o')),
    ...f.set('wp'),
    ...f.get('x'),
    ...f.set('xp'),
    ...whileTrue([...f.get('xp'), ...f.get('xe'), ...I.i32LtS], ...body, inc(f, 'xp', f.get('xstep')), inc(f, 'wp', f.get('stride'))),
  ];
  /** Outputs o .. o + 4G - 1 of R rows, in f64x2 accumulators, then relu and stored. */
  const tile = (R: number, G: number): number[] => {
    const code: Code[] = [];
    for (let g = 0; g < G; g++) {
      if (bias) code.push(at(f, 'b', f.get('o')), I.v128Load(16 * g), f.set('wv'));
      const start = (half: Code) => (bias ? half : zero2);
      for (let r = 0; r < R; r++) code.push(start(low(f, 'wv')), f.set(acc(r, g, 0)), start(high(f, 'wv')), f.set(acc(r, g, 1)));
    }
    const step: Code[] = [];
    for (let r = 0; r < R; r++) step.push(f.get('xp'), times('xs', r), I.v128Load32Splat(), I.f64x2PromoteLowF32x4, f.set(`x${r}`));
    for (let g = 0; g < G; g++) {
      // Weights o + 4g .. + 1 and + 2 .. + 3, each pair loaded into the low lanes and promoted.
      const pair = (at: number) => [...f.get('wp'), ...I.v128Load64Zero(at), ...I.f64x2PromoteLowF32x4];
      step.push(pair(16 * g), f.set('lo'), pair(16 * g + 8), f.set('hi'));
      for (let r = 0; r < R; r++)
        step.push(addTo(f, acc(r, g, 0), f.get(`x${r}`), f.get('lo'), I.f64x2Mul), addTo(f, acc(r, g, 1), f.get(`x${r}`), f.get('hi'), I.f64x2Mul));
    }
    code.push(overInputs(...step));
    for (let r = 0; r < R; r++)
      for (let g = 0; g < G; g++)
        code.push(
          f.get(acc(r, g, 0)),
          I.f32x4DemoteF64x2Zero,
          f.get(acc(r, g, 1)),
          I.f32x4DemoteF64x2Zero,
          I.joinLow,
          f.set('wv'),
          // relu: the lanes above 0 kept, the others (NaN too) 0, as `z > 0 ? z : 0`.
          f.get('relu'),
          I.if(f.get('wv'), f.get('wv'), I.f32(0), I.f32x4Splat, I.f32x4Gt, I.v128And, f.set('wv')),
          outAt(r),
          f.get('wv'),
          I.v128Store(16 * g),
        );
    return [...code.flat(), ...inc(f, 'o', I.i32(4 * G))];
  };
  /** Output o of R rows, one f64 sum per row. */
  const single = (R: number): number[] => {
    const code: Code[] = [];
    for (let r = 0; r < R; r++) code.push(bias ? [...at(f, 'b', f.get('o')), ...I.f32Load(), ...I.f64PromoteF32] : I.f64(0), f.set(`z${r}`));
    const step: Code[] = [f.get('wp'), I.f32Load(), I.f64PromoteF32, f.set('wz')];
    for (let r = 0; r < R; r++) step.push(f.get(`z${r}`), xAt(r), f.get('wz'), I.f64Mul, I.f64Add, f.set(`z${r}`));
    code.push(overInputs(...step));
    for (let r = 0; r < R; r++)
      code.push(
        f.get(`z${r}`),
        I.f32DemoteF64,
        f.set('zf'),
        f.get('relu'),
        I.if(f.get('zf'), I.f32(0), f.get('zf'), I.f32(0), I.f32Gt, I.select, f.set('zf')),
        outAt(r),
        f.get('zf'),
        I.f32Store(),
      );
    return [...code.flat(), ...inc(f, 'o', I.i32(1))];
  };
  /** While at least `n` outputs remain from o. */
  const left = (n: number) => [...f.get('o'), ...I.i32(n), ...I.i32Add, ...f.get('outW'), ...I.i32LeS];
  /** While at least R rows remain: the rows' outputs, then on to the next rows. */
  const rows = (R: number, also: Code, ...outputs: Code[]) =>
    whileTrue(
      [...f.get('rows'), ...I.i32(R), ...I.i32GeS, ...also],
      f.get('x'),
      f.get('inW'),
      f.get('xstep'),
      I.i32Mul,
      I.i32Add,
      f.set('xe'),
      I.i32(0),
      f.set('o'),
      ...outputs,
      inc(f, 'x', [...f.get('xs'), ...I.i32(R), ...I.i32Mul]),
      inc(f, 'out', [...f.get('stride'), ...I.i32(R), ...I.i32Mul]),
      inc(f, 'rows', I.i32(-R)),
    );
  const body = [
    bias
      ? [
          ...bytesOf(f, 'x', 'w', 'b', 'out'),
          ...[...f.get('outW'), ...I.i32(2), ...I.i32Shl, ...f.set('stride')],
          ...[...f.get('inW'), ...I.i32(2), ...I.i32Shl, ...f.set('xs')],
          ...[...I.i32(4), ...f.set('xstep')],
          ...[...f.get('act'), ...I.i32(ACT.relu), ...I.i32Eq, ...f.set('relu')],
        ]
      : bytesOf(f, 'x', 'xs', 'xstep', 'w', 'stride', 'out'),
    // Fewer than four outputs (the output layer of a binary or regression model): four rows at a time.
    rows(4, [...f.get('outW'), ...I.i32(4), ...I.i32LtS, ...I.i32And], whileTrue(left(1), single(4))),
    rows(2, [], whileTrue(left(8), tile(2, 2)), whileTrue(left(4), tile(2, 1)), whileTrue(left(1), single(2))),
    rows(1, [], whileTrue(left(16), tile(1, 4)), whileTrue(left(8), tile(1, 2)), whileTrue(left(4), tile(1, 1)), whileTrue(left(1), single(1))),
  ];
  return { fn: f, body };
}
