import { ACT } from './dense-kernel.js';
import { Fn, op } from './wasm-emitter.js';

/**
 * The passes of the wasm kernel over a layer (see dense-kernel-wasm.ts): its forward pass and its backward pass,
 * and the helpers the kernel's functions share. Addresses are byte offsets into the heap; the functions take
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
const mul = (a: Code, b: Code) => [...a, ...b, ...I.i32Mul];
const add = (a: Code, b: Code) => [...a, ...b, ...I.i32Add];

/** dense(x, w, b, out, rows, inW, outW, act): see `DenseKernel.dense`. */
export function dense(): { fn: Fn; body: Code[] } {
  const f = new Fn(
    'dense',
    ['x', 'w', 'b', 'out', 'rows', 'inW', 'outW', 'act'].map((n) => [n, 'i32'] as [string, 'i32']),
  );
  f.locals('i32', 'r', 'o', 'i', 'wp', 'stride', 'relu').locals('f64', 'z').locals('f32', 'zf').locals('v128', 'acc0', 'acc1', 'xi', 'wv');
  const xi = [...at(f, 'x', f.get('i')), ...I.f32Load(), ...I.f64PromoteF32];
  const body = [
    bytesOf(f, 'x', 'w', 'b', 'out'),
    f.get('outW'),
    I.i32(2),
    I.i32Shl,
    f.set('stride'),
    f.get('act'),
    I.i32(ACT.relu),
    I.i32Eq,
    f.set('relu'),
    f.for(
      'r',
      I.i32(0),
      f.get('rows'),
      1,
      I.i32(0),
      f.set('o'),
      // Four outputs at a time: bias, then each input's products added in order, in float64.
      I.block(
        I.loop(
          f.get('o'),
          I.i32(4),
          I.i32Add,
          f.get('outW'),
          I.i32GtS,
          I.brIf(1),
          at(f, 'b', f.get('o')),
          I.v128Load(),
          f.set('wv'),
          low(f, 'wv'),
          f.set('acc0'),
          high(f, 'wv'),
          f.set('acc1'),
          at(f, 'w', f.get('o')),
          f.set('wp'),
          f.for(
            'i',
            I.i32(0),
            f.get('inW'),
            1,
            xi,
            I.f64x2Splat,
            f.set('xi'),
            f.get('wp'),
            I.v128Load(),
            f.set('wv'),
            addTo(f, 'acc0', f.get('xi'), low(f, 'wv'), I.f64x2Mul),
            addTo(f, 'acc1', f.get('xi'), high(f, 'wv'), I.f64x2Mul),
            f.get('wp'),
            f.get('stride'),
            I.i32Add,
            f.set('wp'),
          ),
          join(f),
          f.set('wv'),
          // relu: the lanes above 0 kept, the others (NaN too) 0, as `z > 0 ? z : 0`.
          f.get('relu'),
          I.if(f.get('wv'), f.get('wv'), I.f32(0), I.f32x4Splat, I.f32x4Gt, I.v128And, f.set('wv')),
          at(f, 'out', f.get('o')),
          f.get('wv'),
          I.v128Store(),
          f.get('o'),
          I.i32(4),
          I.i32Add,
          f.set('o'),
          I.br(0),
        ),
      ),
      // The remaining outputs one at a time.
      I.block(
        I.loop(
          f.get('o'),
          f.get('outW'),
          I.i32GeS,
          I.brIf(1),
          at(f, 'b', f.get('o')),
          I.f32Load(),
          I.f64PromoteF32,
          f.set('z'),
          at(f, 'w', f.get('o')),
          f.set('wp'),
          f.for(
            'i',
            I.i32(0),
            f.get('inW'),
            1,
            f.get('z'),
            xi,
            f.get('wp'),
            I.f32Load(),
            I.f64PromoteF32,
            I.f64Mul,
            I.f64Add,
            f.set('z'),
            f.get('wp'),
            f.get('stride'),
            I.i32Add,
            f.set('wp'),
          ),
          f.get('z'),
          I.f32DemoteF64,
          f.set('zf'),
          f.get('relu'),
          I.if(f.get('zf'), I.f32(0), f.get('zf'), I.f32(0), I.f32Gt, I.select, f.set('zf')),
          at(f, 'out', f.get('o')),
          f.get('zf'),
          I.f32Store(),
          f.get('o'),
          I.i32(1),
          I.i32Add,
          f.set('o'),
          I.br(0),
        ),
      ),
      f.get('x'),
      f.get('inW'),
      I.i32(2),
      I.i32Shl,
      I.i32Add,
      f.set('x'),
      f.get('out'),
      f.get('stride'),
      I.i32Add,
      f.set('out'),
    ),
  ];
  return { fn: f, body };
}

/** backward(a, d, w, gw, gb, prev, n, inW, outW, l2x2, prevAct): see `DenseKernel.backward`. */
export function backward(): { fn: Fn; body: Code[] } {
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
    ...I.i32(0),
    ...f.set('o'),
    ...I.block(I.loop(f.get('o'), I.i32(4), I.i32Add, f.get('outW'), I.i32GtS, I.brIf(1), ...block4, f.get('o'), I.i32(4), I.i32Add, f.set('o'), I.br(0))),
    ...I.block(I.loop(f.get('o'), f.get('outW'), I.i32GeS, I.brIf(1), ...block1, f.get('o'), I.i32(1), I.i32Add, f.set('o'), I.br(0))),
  ];
  const body = [
    bytesOf(f, 'a', 'd', 'w', 'gw', 'gb', 'prev'),
    f.get('l2x2'),
    I.f32(0),
    I.f32Ne,
    f.set('l2'),
    // gw[i, o] = sum_r a[r, i] d[r, o] in float64 (+ w[i, o] * l2x2 in float32).
    f.for(
      'i',
      I.i32(0),
      f.get('inW'),
      1,
      overOutputs(
        [
          zero2,
          f.set('acc0'),
          zero2,
          f.set('acc1'),
          f.for(
            'r',
            I.i32(0),
            f.get('n'),
            1,
            rowAt('a'),
            I.f32Load(),
            I.f64PromoteF32,
            I.f64x2Splat,
            f.set('ai'),
            dAt(f.get('o')),
            I.v128Load(),
            f.set('dv'),
            addTo(f, 'acc0', f.get('ai'), low(f, 'dv'), I.f64x2Mul),
            addTo(f, 'acc1', f.get('ai'), high(f, 'dv'), I.f64x2Mul),
          ),
          join(f),
          f.set('dv'),
          f.get('l2'),
          I.if(f.get('dv'), wAt(f.get('o')), I.v128Load(), f.get('l2x2'), I.f32x4Splat, I.f32x4Mul, I.f32x4Add, f.set('dv')),
          gwAt,
          f.get('dv'),
          I.v128Store(),
        ],
        [
          I.f64(0),
          f.set('z'),
          f.for('r', I.i32(0), f.get('n'), 1, f.get('z'), rowAt('a'), I.f32Load(), I.f64PromoteF32, scalarD, I.f64Mul, I.f64Add, f.set('z')),
          f.get('z'),
          I.f32DemoteF64,
          f.set('zf'),
          f.get('l2'),
          I.if(f.get('zf'), wAt(f.get('o')), I.f32Load(), f.get('l2x2'), I.f32Mul, I.f32Add, f.set('zf')),
          gwAt,
          f.get('zf'),
          I.f32Store(),
        ],
      ),
    ),
    // gb[o] = sum_r d[r, o].
    overOutputs(
      [
        zero2,
        f.set('acc0'),
        zero2,
        f.set('acc1'),
        f.for('r', I.i32(0), f.get('n'), 1, dAt(f.get('o')), I.v128Load(), f.set('dv'), addTo(f, 'acc0', low(f, 'dv')), addTo(f, 'acc1', high(f, 'dv'))),
        at(f, 'gb', f.get('o')),
        join(f),
        I.v128Store(),
      ],
      [
        I.f64(0),
        f.set('z'),
        f.for('r', I.i32(0), f.get('n'), 1, f.get('z'), scalarD, I.f64Add, f.set('z')),
        at(f, 'gb', f.get('o')),
        f.get('z'),
        I.f32DemoteF64,
        I.f32Store(),
      ],
    ),
    // The previous layer's delta: (sum_o d[r, o] w[i, o]) times its activation's derivative, in float64.
    f.get('prevAct'),
    I.i32Eqz,
    I.if(I.ret),
    f.for(
      'r',
      I.i32(0),
      f.get('n'),
      1,
      f.for(
        'i',
        I.i32(0),
        f.get('inW'),
        1,
        I.f64(0),
        f.set('z'),
        f.for('o', I.i32(0), f.get('outW'), 1, f.get('z'), scalarD, wAt(f.get('o')), I.f32Load(), I.f64PromoteF32, I.f64Mul, I.f64Add, f.set('z')),
        rowAt('a'),
        I.f32Load(),
        I.f64PromoteF32,
        f.set('out'),
        f.get('prevAct'),
        I.i32(ACT.relu),
        I.i32Eq,
        I.if(f.get('z'), I.f64(0), f.get('out'), I.f64(0), I.f64Gt, I.select, f.set('z')),
        f.get('prevAct'),
        I.i32(ACT.tanh),
        I.i32Eq,
        I.if(f.get('z'), I.f64(1), f.get('out'), f.get('out'), I.f64Mul, I.f64Sub, I.f64Mul, f.set('z')),
        f.get('prevAct'),
        I.i32(ACT.sigmoid),
        I.i32Eq,
        I.if(f.get('z'), f.get('out'), I.f64Mul, I.f64(1), f.get('out'), I.f64Sub, I.f64Mul, f.set('z')),
        rowAt('prev'),
        f.get('z'),
        I.f32DemoteF64,
        I.f32Store(),
      ),
    ),
  ];
  return { fn: f, body };
}
