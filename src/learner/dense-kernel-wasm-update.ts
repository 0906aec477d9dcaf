import { MOVE } from './dense-kernel.js';
import { bytesOf, I, type Code } from './dense-kernel-wasm-passes.js';
import { Fn } from './wasm-emitter.js';

/**
 * The wasm kernel's passes over the weights (see dense-kernel-wasm.ts): the Adam or SGD update of each weight,
 * then each average's move, four weights at a time in one pass. The loops are written out for the common cases,
 * so that the branches are taken once per call rather than per four weights: both averages stepping toward the
 * weights (the default: the average and the shorter one that `select` keeps), or one; other moves choose per
 * vector. Adam also without its bias correction once it is 1 (see `adam`).
 */

/** What a loop does to an average: a `MOVE`, or undefined for the mode read at run time. */
type Moves = readonly [number | undefined, number | undefined];
const DYNAMIC: Moves = [undefined, undefined];

/** Each average's move after the update of the four weights in `wv` at byte offset k: a copy or a step toward them. */
function averages(f: Fn, moves: Moves): number[] {
  return [1, 2].flatMap((j) => {
    const a = `a${j}`;
    const addr = [...f.get(a), ...f.get('k'), ...I.i32Add];
    const copy = [...addr, ...f.get('wv'), ...I.v128Store()];
    const toward = [
      ...addr,
      ...addr,
      ...I.v128Load(),
      ...f.tee('av'),
      ...f.get('wv'),
      ...f.get('av'),
      ...I.f32x4Sub,
      ...f.get(`k${j}`),
      ...I.f32x4Mul,
      ...I.f32x4Add,
      ...I.v128Store(),
    ];
    const mode = moves[j - 1];
    if (mode !== undefined) return mode === MOVE.copy ? copy : mode === MOVE.toward ? toward : [];
    const is = (m: number) => [...f.get(`mode${j}`), ...I.i32(m), ...I.i32Eq];
    return [...is(MOVE.copy), ...I.if(copy), ...is(MOVE.toward), ...I.if(toward)];
  });
}

/** The loop written for the averages' moves at hand: both toward, the first toward and no second, or any. */
function byMoves(f: Fn, loop: (moves: Moves) => number[]): number[] {
  const is = (j: number, m: number) => [...f.get(`mode${j}`), ...I.i32(m), ...I.i32Eq];
  return [
    ...is(1, MOVE.toward),
    ...is(2, MOVE.toward),
    ...I.i32And,
    ...I.ifElse(
      [loop([MOVE.toward, MOVE.toward])],
      [is(1, MOVE.toward), is(2, MOVE.none), I.i32And, I.ifElse([loop([MOVE.toward, MOVE.none])], [loop(DYNAMIC)])],
    ),
  ];
}

const averageParams: [string, 'i32' | 'f32'][] = [
  ['mode1', 'i32'],
  ['k1v', 'f32'],
  ['mode2', 'i32'],
  ['k2v', 'f32'],
];
const splatAverages = (f: Fn) => [...f.get('k1v'), ...I.f32x4Splat, ...f.set('k1'), ...f.get('k2v'), ...I.f32x4Splat, ...f.set('k2')];

/** The lanes of the f32x4 in local x with a magnitude below the smallest normal float32 (local `tiny`) set to 0 (NaN kept). */
const flush = (f: Fn, x: string) => [...f.get(x), ...f.get(x), ...I.f32x4Abs, ...f.get('tiny'), ...I.f32x4Lt, ...I.v128AndNot, ...f.set(x)];

/**
 * tfjs Adam, op for op in float32, with subnormal moments flushed to 0 (see `DenseKernel.adam`), four weights at
 * a time, then the averages' moves. Once beta^t is below half an ulp of 1, 1 - beta^t is 1 in float32 and the
 * bias correction m / (1 - beta1^t) is m itself (x / 1 is x in IEEE arithmetic): once both are 1 (for beta2 0.999
 * after some 17,000 steps), a loop without those two divisions runs. Divisions are the loop's slowest part.
 */
export function adam(): { fn: Fn; body: Code[] } {
  const ptrs = ['w', 'g', 'm', 'v', 'a1', 'a2', 'len'];
  const consts = ['b1', 'b2', 'c1', 'c2', 'eps', 'lr', 'om1', 'om2'];
  const f = new Fn('adam', [...ptrs.map((n) => [n, 'i32'] as [string, 'i32']), ...consts.map((n) => [`${n}s`, 'f32'] as [string, 'f32']), ...averageParams]);
  f.locals('i32', 'k').locals('v128', ...consts, 'k1', 'k2', 'gv', 'mv', 'vv', 'wv', 'av', 'tiny');
  const ld = (p: string) => [...f.get(p), ...f.get('k'), ...I.i32Add, ...I.v128Load()];
  const st = (p: string, v: string) => [...f.get(p), ...f.get('k'), ...I.i32Add, ...f.get(v), ...I.v128Store()];
  const loop = (correct: boolean, moves: Moves) =>
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
      correct ? [...f.get('om1'), ...I.f32x4Div] : [],
      f.get('vv'),
      correct ? [...f.get('om2'), ...I.f32x4Div] : [],
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
      averages(f, moves),
    );
  const isOne = (c: string) => [...f.get(`${c}s`), ...I.f32(1), ...I.f32Eq];
  const body = [
    bytesOf(f, ...ptrs),
    consts.flatMap((c) => [...f.get(`${c}s`), ...I.f32x4Splat, ...f.set(c)]),
    splatAverages(f),
    I.f32(2 ** -126),
    I.f32x4Splat,
    f.set('tiny'),
    isOne('om1'),
    isOne('om2'),
    I.i32And,
    I.ifElse([byMoves(f, (moves) => loop(false, moves))], [byMoves(f, (moves) => loop(true, moves))]),
  ];
  return { fn: f, body };
}

/** tfjs SGD (w + lr * g, lr negated), four weights at a time, then the averages' moves. */
export function sgd(): { fn: Fn; body: Code[] } {
  const ptrs = ['w', 'g', 'a1', 'a2', 'len'];
  const f = new Fn('sgd', [...ptrs.map((n) => [n, 'i32'] as [string, 'i32']), ['lrs', 'f32'], ...averageParams]);
  f.locals('i32', 'k').locals('v128', 'lr', 'k1', 'k2', 'wv', 'av');
  const loop = (moves: Moves) =>
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
      averages(f, moves),
    );
  const body = [bytesOf(f, ...ptrs), f.get('lrs'), I.f32x4Splat, f.set('lr'), splatAverages(f), byMoves(f, loop)];
  return { fn: f, body };
}
