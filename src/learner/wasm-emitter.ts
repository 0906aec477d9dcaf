/**
 * A small WebAssembly binary writer for the typed trainer's kernel (`dense-kernel-wasm.ts`): the module is
 * written here as bytes at load time, so there is no build step and no assembler dependency. It knows the
 * instructions the kernel uses (integer and float arithmetic, loads and stores, structured control flow, and the
 * 128-bit SIMD ones) and the sections a module of plain functions over an imported memory needs.
 */

import { StreamtrainError } from '../core/index.js';

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

type Code = readonly number[];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const mem = (op: number[], offset: number): number[] => [...op, 0, ...uleb(offset)];
const f32Bytes = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
const f64Bytes = (v: number) => [...new Uint8Array(new Float64Array([v]).buffer)];

/** Instructions, each as its bytes. Memory accesses take a constant byte offset (alignment hint 0). */
export const op = {
  block: (...body: Code[]) => [0x02, 0x40, ...body.flat(), 0x0b],
  loop: (...body: Code[]) => [0x03, 0x40, ...body.flat(), 0x0b],
  if: (...body: Code[]) => [0x04, 0x40, ...body.flat(), 0x0b],
  ifElse: (then: Code[], otherwise: Code[]) => [0x04, 0x40, ...then.flat(), 0x05, ...otherwise.flat(), 0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  ret: [0x0f],
  call: (fn: number) => [0x10, ...uleb(fn)],
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  f32Load: (offset = 0) => mem([0x2a], offset),
  f32Store: (offset = 0) => mem([0x38], offset),
  i32: (v: number) => [0x41, ...sleb(v)],
  f32: (v: number) => [0x43, ...f32Bytes(v)],
  f64: (v: number) => [0x44, ...f64Bytes(v)],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32LeS: [0x4c],
  i32GeS: [0x4e],
  f32Eq: [0x5b],
  f32Ne: [0x5c],
  f32Gt: [0x5e],
  f64Gt: [0x64],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Or: [0x72],
  i32Shl: [0x74],
  f32Add: [0x92],
  f32Mul: [0x94],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f64Sqrt: [0x9f],
  f64Store: (offset = 0) => mem([0x39], offset),
  f32DemoteF64: [0xb6],
  f64PromoteF32: [0xbb],
  v128Load: (offset = 0) => mem(simd(0x00), offset),
  v128Store: (offset = 0) => mem(simd(0x0b), offset),
  /** One f32 into all four lanes. */
  v128Load32Splat: (offset = 0) => mem(simd(0x09), offset),
  /** Two f32 into lanes 0-1, lanes 2-3 zero. */
  v128Load64Zero: (offset = 0) => mem(simd(0x5d), offset),
  /** Lanes 0-1 of a and 0-1 of b as four f32 (after two demotions, whose upper lanes are zero). */
  joinLow: [...simd(0x0d), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23],
  /** f32 lanes 2-3 moved to lanes 0-1 (for a promotion of the upper half); needs the vector twice on the stack. */
  upperHalf: [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15],
  f32x4Splat: simd(0x13),
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: (lane: number) => [...simd(0x21), lane],
  f32x4Ne: simd(0x42),
  f32x4Lt: simd(0x43),
  f32x4Gt: simd(0x44),
  v128And: simd(0x4e),
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
  v128AnyTrue: simd(0x53),
  f32x4DemoteF64x2Zero: simd(0x5e),
  f64x2PromoteLowF32x4: simd(0x5f),
  f32x4Abs: simd(0xe0),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
} as const;

/** A function's parameters and locals by name; `get`/`set` resolve the names to indexes. */
export class Fn {
  private readonly names = new Map<string, number>();
  private readonly paramTypes: ValType[] = [];
  private readonly localTypes: ValType[] = [];

  constructor(
    readonly name: string,
    params: readonly [string, ValType][],
    readonly results: readonly ValType[] = [],
  ) {
    for (const [n, t] of params) {
      this.names.set(n, this.names.size);
      this.paramTypes.push(t);
    }
  }

  /** Declares locals (before the body is written). */
  locals(type: ValType, ...names: string[]): this {
    for (const n of names) {
      this.names.set(n, this.names.size);
      this.localTypes.push(type);
    }
    return this;
  }

  get = (name: string): number[] => op.get(this.index(name));
  set = (name: string): number[] => op.set(this.index(name));
  tee = (name: string): number[] => op.tee(this.index(name));

  /** `name = start; while (name < end) { body; name += step }`, all i32; `end` is code that pushes the bound. */
  for(name: string, start: Code, end: Code, step: number, ...body: Code[]): number[] {
    return [
      ...start,
      ...this.set(name),
      ...op.block(op.loop(this.get(name), end, op.i32GeS, op.brIf(1), ...body, this.get(name), op.i32(step), op.i32Add, this.set(name), op.br(0))),
    ];
  }

  signature(): { params: ValType[]; results: ValType[] } {
    return { params: this.paramTypes, results: [...this.results] };
  }

  localDecls(): number[] {
    return [...uleb(this.localTypes.length), ...this.localTypes.flatMap((t) => [1, VALTYPE[t]])];
  }

  private index(name: string): number {
    const i = this.names.get(name);
    if (i === undefined) throw new StreamtrainError('INTERNAL', `wasm emitter: ${this.name} has no local ${name}`);
    return i;
  }
}

const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/** A module of the given functions (each with its body), importing its memory as env.memory, exporting them all. */
export function assemble(fns: readonly { fn: Fn; body: Code[] }[]): Uint8Array {
  const types = fns.map(({ fn }) => {
    const s = fn.signature();
    return [0x60, ...vec(s.params.map((t) => [VALTYPE[t]])), ...vec(s.results.map((t) => [VALTYPE[t]]))];
  });
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map(({ fn }, i) => [...str(fn.name), 0x00, ...uleb(i)]))),
    ...section(
      10,
      vec(
        fns.map(({ fn, body }) => {
          const code = [...fn.localDecls(), ...body.flat(), 0x0b];
          return [...uleb(code.length), ...code];
        }),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}
