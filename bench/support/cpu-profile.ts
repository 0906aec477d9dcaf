/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, one file per thread) by module: each sample's time goes to the
 * part of the pipeline its leaf function belongs to (kafkajs' fetch decoding, record decoding, feature extraction,
 * the learner, checkpoints...). Functions without a module of their own (V8 builtins, Node's `node:` internals
 * called from a module) count for the module that called them; those reached from no module (socket reads,
 * message-port delivery, timers) are Node's runtime. Only samples inside a time window are counted, so start-up
 * and shutdown stay out.
 */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  /** Microseconds, on the clock of process.hrtime. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const OTHER_LIBRARIES = 'other libraries';

/** First match wins; tested on the script URL of the leaf function (or the nearest caller that has one). */
export const CATEGORIES: readonly (readonly [string, RegExp])[] = [
  ['kafkajs: fetch response decoding (record batches, varints)', /node_modules\/kafkajs\/src\/protocol\//],
  ['kafkajs: 64-bit offsets as strings (its Long)', /node_modules\/kafkajs\/src\/utils\/long\./],
  ['kafkajs: consumer and network client', /node_modules\/kafkajs\//],
  ['bare consumer: JSON.parse of each value', /\/bench\/support\/bare-consumer\./],
  ['record decoding (JSON row scanner)', /\/src\/consumers\/json-row-scanner\./],
  ['record decoding (other decoders)', /\/src\/consumers\/(json-decoder|record-decoder|avro-decoder)\./],
  ['feature extraction and chunking', /\/src\/consumers\/(feature-extractor|chunk-builder)\./],
  ['streamtrain consumer loop', /\/src\/consumers\//],
  [
    'micro-batching and hand-over to the learner',
    /\/src\/pipeline\/(micro-batches|bounded-buffer|worker-learner-host|learner-host|worker-protocol|learner-worker)\./,
  ],
  ['learner (training, scoring, averaging)', /\/src\/learner\/|node_modules\/@tensorflow\//],
  ['drift detection and adaptation', /\/src\/(drift|adaptation)\//],
  [
    'checkpoints, offsets, version events',
    /\/src\/(checkpoints|producers)\/|\/src\/pipeline\/(checkpointer|offset-ledger|triggers|version-event)\.|node_modules\/@(aws-sdk|smithy)\//,
  ],
  ['streamtrain, other', /\/src\//],
  [OTHER_LIBRARIES, /node_modules\//],
];

export const RUNTIME = 'Node.js runtime (sockets, message ports, timers; reached from no module)';
export const GC = 'garbage collector';
export const IDLE = 'idle';
const SPECIAL = new Map([
  ['(garbage collector)', GC],
  ['(idle)', IDLE],
  ['(program)', 'V8 (program: compilation, runtime calls)'],
]);

/** The category of every node of the profile. */
export function categorizeNodes(p: CpuProfile): Map<number, string> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<number, string>();
  const own = (n: CpuProfileNode): string | undefined => {
    const special = SPECIAL.get(n.callFrame.functionName);
    if (special !== undefined && n.callFrame.url === '') return special;
    return CATEGORIES.find(([, re]) => re.test(n.callFrame.url))?.[0];
  };
  const of = (id: number): string => {
    const known = out.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id) as CpuProfileNode;
    const up = parent.get(id);
    const caller = up === undefined ? undefined : of(up);
    const mine = own(n);
    // A library or builtin called from one of the modules above counts for that module.
    const c = mine !== undefined && mine !== OTHER_LIBRARIES ? mine : caller !== undefined && caller !== RUNTIME ? caller : (mine ?? RUNTIME);
    out.set(id, c);
    return c;
  };
  for (const n of p.nodes) of(n.id);
  return out;
}

export interface ThreadProfile {
  /** Sampled time inside the window, ms (wall time of the thread: idle included). */
  readonly sampledMs: number;
  readonly idleMs: number;
  /** ms per category, busy time only (idle excluded), largest first. */
  readonly categories: readonly { readonly name: string; readonly ms: number }[];
  /** The functions with the most self time, busy time only. */
  readonly topFunctions: readonly { readonly name: string; readonly ms: number; readonly category: string }[];
}

/** A script URL from the package or source folder on: `node_modules/kafkajs/src/...`, `src/learner/...`. */
function shortUrl(url: string): string {
  const i = url.lastIndexOf('/node_modules/');
  return i >= 0 ? url.slice(i + 1) : url.replace(/^.*\/src\//, 'src/');
}

/** Self time by category and by function over the samples taken between `startUs` and `endUs`. */
export function summarizeProfile(p: CpuProfile, startUs: number, endUs: number, top = 12): ThreadProfile {
  const cat = categorizeNodes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const perCat = new Map<string, number>();
  const perFn = new Map<string, { ms: number; category: string }>();
  let t = p.startTime;
  let sampled = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < startUs || t > endUs) return;
    const ms = dt / 1000;
    sampled += ms;
    const c = cat.get(id) ?? RUNTIME;
    if (c === IDLE) {
      idle += ms;
      return;
    }
    perCat.set(c, (perCat.get(c) ?? 0) + ms);
    const f = byId.get(id)?.callFrame;
    const name = `${f?.functionName || '(anonymous)'} ${shortUrl(f?.url ?? '')}`.trim();
    const prev = perFn.get(name);
    perFn.set(name, { ms: (prev?.ms ?? 0) + ms, category: c });
  });
  const sorted = <T extends { ms: number }>(xs: T[]) => xs.sort((a, b) => b.ms - a.ms);
  return {
    sampledMs: sampled,
    idleMs: idle,
    categories: sorted([...perCat].map(([name, ms]) => ({ name, ms }))),
    topFunctions: sorted([...perFn].map(([name, v]) => ({ name, ...v }))).slice(0, top),
  };
}
