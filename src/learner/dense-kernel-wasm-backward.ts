import { ACT } from './dense-kernel.js';
import { addTo, at, bytesOf, high, I, inc, join, low, whileTrue, zero2, type Code } from './dense-kernel-wasm-passes.js';
import { Fn } from './wasm-emitter.js';

/**
 * The wasm kernel's backward pass over a layer (see dense-kernel-wasm.ts). Several rows: every gradient a float64
 * sum over the rows, in order, rounded once. One row (a step per sample): every sum is a single product, exact in
 * float64, so rounding it once is the float32 product itself, and the pass runs in f32x4: gw = a * d, gb = d, and
 * with one output and a relu or linear layer before it, that layer's delta d * w; each plus 0, as the reference's
 * sum that starts at 0 (which turns a -0 into +0).
 */

const mul = (a: Code, b: Code) => [...a, ...b, ...I.i32Mul];
const add = (a: Code, b: Code) => [...a, ...b, ...I.i32Add];

/** backward(a, d, w, gw, gb, prev, n, inW, outW, l2x2, prevAct): see `DenseKernel.backward`. */
export function backward(gradw: number): { fn: Fn; body: Code[] } {
  const names = ['a', 'd', 'w', 'gw', 'gb', 'prev', 'n', 'inW', 'outW'];
  const f = new Fn('backward', [...names.map((n) => [n, 'i32'] as [string, 'i32']), ['l2x2', 'f32'], ['prevAct', 'i32']]);
  f.locals('i32', 'r', 'o', 'i', 'l2', 'p', 'q', 'e', 'relu')
    .locals('f64', 'z', 'out')
    .locals('f32', 'zf', 's')
    .locals('v128', 'acc0', 'acc1', 'ai', 'dv', 'sv', 'zero', 'l2v');
  const dAt = (o: Code) => at(f, 'd', add(mul(f.get('r'), f.get('outW')), o));
  const wAt = (o: Code) => at(f, 'w', add(mul(f.get('i'), f.get('outW')), o));
  const rowAt = (base: string) => at(f, base, add(mul(f.get('r'), f.get('inW')), f.get('i')));
  const scalarD = [...dAt(f.get('o')), ...I.f32Load(), ...I.f64PromoteF32];
  /** Four outputs at a time, then one at a time: `block4` and `block1` are the bodies, `o` the output. */
  const overOutputs = (block4: Code[], block1: Code[]) => [
    ...I.i32(0),
    ...f.set('o'),
    ...I.block(I.loop(f.get('o'), I.i32(4), I.i32Add, f.get('outW'), I.i32GtS, I.brIf(1), ...block4, f.get('o'), I.i32(4), I.i32Add, f.set('o'), I.br(0))),
    ...I.block(I.loop(f.get('o'), f.get('outW'), I.i32GeS, I.brIf(1), ...block1, f.get('o'), I.i32(1), I.i32Add, f.set('o'), I.br(0))),
  ];
  /**
   * One row: dst[q + p] = src[p] * s + 0 for byte offsets p in [0, e), four at a time then one at a time; with
   * `l2`, + w[q + p] * l2x2 (the kernel's gradient); with `mask`, 0 where a[p] is not above 0 (relu's derivative).
   */
  const products = (dst: string, src: string, l2: boolean, mask: boolean) => {
    const addr = [...f.get(dst), ...f.get('q'), ...I.i32Add, ...f.get('p'), ...I.i32Add];
    const wAddr = [...f.get('w'), ...f.get('q'), ...I.i32Add, ...f.get('p'), ...I.i32Add];
    const aAddr = [...f.get('a'), ...f.get('q'), ...I.i32Add, ...f.get('p'), ...I.i32Add];
    return [
      ...I.i32(0),
      ...f.set('p'),
      ...whileTrue(
        [...f.get('p'), ...I.i32(16), ...I.i32Add, ...f.get('e'), ...I.i32LeS],
        [...f.get(src), ...f.get('p'), ...I.i32Add, ...I.v128Load(), ...f.get('sv'), ...I.f32x4Mul, ...f.get('zero'), ...I.f32x4Add, ...f.set('dv')],
        l2 ? [...f.get('l2'), ...I.if(f.get('dv'), wAddr, I.v128Load(), f.get('l2v'), I.f32x4Mul, I.f32x4Add, f.set('dv'))] : [],
        mask ? [...f.get('relu'), ...I.if(f.get('dv'), aAddr, I.v128Load(), f.get('zero'), I.f32x4Gt, I.v128And, f.set('dv'))] : [],
        addr,
        f.get('dv'),
        I.v128Store(),
        inc(f, 'p', I.i32(16)),
      ),
      ...whileTrue(
        [...f.get('p'), ...f.get('e'), ...I.i32LtS],
        [...f.get(src), ...f.get('p'), ...I.i32Add, ...I.f32Load(), ...f.get('s'), ...I.f32Mul, ...I.f32(0), ...I.f32Add, ...f.set('zf')],
        l2 ? [...f.get('l2'), ...I.if(f.get('zf'), wAddr, I.f32Load(), f.get('l2x2'), I.f32Mul, I.f32Add, f.set('zf'))] : [],
        mask ? [...f.get('relu'), ...I.if(f.get('zf'), I.f32(0), aAddr, I.f32Load(), I.f32(0), I.f32Gt, I.select, f.set('zf'))] : [],
        addr,
        f.get('zf'),
        I.f32Store(),
        inc(f, 'p', I.i32(4)),
      ),
    ];
  };
  /** s and sv: the float32 at byte address `addr`, and its splat. */
  const scalarOf = (addr: Code) => [...addr, ...I.f32Load(), ...f.tee('s'), ...I.f32x4Splat, ...f.set('sv')];
  const bytes = (n: string) => [...f.get(n), ...I.i32(2), ...I.i32Shl];
  const oneRow = [
    I.i32(0),
    f.set('q'),
    // One output: gw is a column, a * d[0]; else row i of gw is d * a[i].
    f.get('outW'),
    I.i32(1),
    I.i32Eq,
    I.ifElse(
      [scalarOf(f.get('d')), bytes('inW'), f.set('e'), products('gw', 'a', true, false)],
      [
        bytes('outW'),
        f.set('e'),
        f.for('i', I.i32(0), f.get('inW'), 1, scalarOf(at(f, 'a', f.get('i'))), products('gw', 'd', true, false), inc(f, 'q', f.get('e'))),
      ],
    ),
    // gb = d * 1 + 0.
    I.i32(0),
    f.set('q'),
    I.f32(1),
    f.tee('s'),
    I.f32x4Splat,
    f.set('sv'),
    bytes('outW'),
    f.set('e'),
    products('gb', 'd', false, false),
  ];
  const general = [
    // gw (computed by gradw) + w * l2x2, in float32.
    f.get('l2'),
    I.if(
      I.i32(0),
      f.set('p'),
      f.get('inW'),
      f.get('outW'),
      I.i32Mul,
      I.i32(2),
      I.i32Shl,
      f.set('e'),
      whileTrue(
        [...f.get('p'), ...I.i32(16), ...I.i32Add, ...f.get('e'), ...I.i32LeS],
        [...f.get('gw'), ...f.get('p'), ...I.i32Add],
        [...f.get('gw'), ...f.get('p'), ...I.i32Add, ...I.v128Load()],
        [...f.get('w'), ...f.get('p'), ...I.i32Add, ...I.v128Load(), ...f.get('l2v'), ...I.f32x4Mul, ...I.f32x4Add],
        I.v128Store(),
        inc(f, 'p', I.i32(16)),
      ),
      whileTrue(
        [...f.get('p'), ...f.get('e'), ...I.i32LtS],
        [...f.get('gw'), ...f.get('p'), ...I.i32Add],
        [...f.get('gw'), ...f.get('p'), ...I.i32Add, ...I.f32Load()],
        [...f.get('w'), ...f.get('p'), ...I.i32Add, ...I.f32Load(), ...f.get('l2x2'), ...I.f32Mul, ...I.f32Add],
        I.f32Store(),
        inc(f, 'p', I.i32(4)),
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
  ];
  const args = (...names: string[]) => names.flatMap((n) => (n === '1' ? I.i32(1) : n === '0' ? I.i32(0) : f.get(n)));
  const body = [
    // Several rows: gw[i, o] = 0 + sum_r a[r, i] d[r, o] by gradw (float indexes): with one output, the row
    // d^T times a (its n x inW values); else inW rows a^T (a read down its columns) times d.
    f.get('n'),
    I.i32(1),
    I.i32Ne,
    I.if(
      f.get('outW'),
      I.i32(1),
      I.i32Eq,
      I.ifElse(
        [args('d', '0', '1', 'a', 'inW', 'gw', '1', 'n', 'inW'), I.call(gradw)],
        [args('a', '1', 'inW', 'd', 'outW', 'gw', 'inW', 'n', 'outW'), I.call(gradw)],
      ),
    ),
    bytesOf(f, 'a', 'd', 'w', 'gw', 'gb', 'prev'),
    I.f32(0),
    I.f32x4Splat,
    f.set('zero'),
    f.get('l2x2'),
    I.f32x4Splat,
    f.set('l2v'),
    f.get('l2x2'),
    I.f32(0),
    I.f32Ne,
    f.set('l2'),
    f.get('n'),
    I.i32(1),
    I.i32Eq,
    I.ifElse(oneRow, general),
    f.get('prevAct'),
    I.i32Eqz,
    I.if(I.ret),
    // One output, relu or linear before: row r of the previous layer's delta is w * d[r] (relu: where a > 0).
    f.get('prevAct'),
    I.i32(ACT.relu),
    I.i32Eq,
    f.tee('relu'),
    f.get('prevAct'),
    I.i32(ACT.linear),
    I.i32Eq,
    I.i32Or,
    f.get('outW'),
    I.i32(1),
    I.i32Eq,
    I.i32And,
    I.if(
      I.i32(0),
      f.set('q'),
      bytes('inW'),
      f.set('e'),
      f.for('r', I.i32(0), f.get('n'), 1, scalarOf(at(f, 'd', f.get('r'))), products('prev', 'w', false, true), inc(f, 'q', f.get('e'))),
      I.ret,
    ),
    // The previous layer's delta: (sum_o d[r, o] w[i, o]) times its activation's derivative, in float64.
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
