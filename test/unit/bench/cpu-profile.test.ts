import { describe, expect, it } from 'vitest';
import { GC, IDLE, RUNTIME, categorizeNodes, summarizeProfile, type CpuProfile, type CpuProfileNode } from '../../../bench/support/cpu-profile.js';

const node = (id: number, functionName: string, url: string, children: number[] = []): CpuProfileNode => ({ id, callFrame: { functionName, url }, children });
const ROOT = 'file:///work/streamtrain';

// (root) -> socket read (node:net) -> kafkajs decoder -> Buffer builtin
//        -> kafkajs decoder... -> streamtrain's scanner -> `long` (a library)
//        -> learner step, (idle), (garbage collector)
const PROFILE: CpuProfile = {
  nodes: [
    node(1, '(root)', '', [2, 6, 7, 8, 10]),
    node(2, 'onStreamRead', 'node:internal/stream_base_commons', [3]),
    node(3, 'decodeRecord', `${ROOT}/node_modules/kafkajs/src/protocol/recordBatch/record/v0/decoder.js`, [4, 5]),
    node(4, 'toString', ''),
    node(5, 'scan', `${ROOT}/src/consumers/json-row-scanner.ts`, [9]),
    node(6, '(idle)', ''),
    node(7, '(garbage collector)', ''),
    node(8, 'step', `${ROOT}/src/learner/typed-dense-trainer.ts`),
    node(9, 'fromBits', `${ROOT}/node_modules/long/index.js`),
    node(10, 'processTicksAndRejections', 'node:internal/process/task_queues'),
  ],
  startTime: 1_000,
  endTime: 9_000,
  // One sample per ms from 2 ms on: decoder 2, builtin under it 1, scanner 1, library under the scanner 1,
  // idle 2, GC 1, learner 1, runtime 1, and a learner sample at 12 ms.
  samples: [3, 3, 4, 5, 9, 6, 6, 7, 8, 10, 8],
  timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
};

describe('categorizeNodes', () => {
  const c = categorizeNodes(PROFILE);

  it('puts each function in the module of its script', () => {
    expect(c.get(3)).toMatch(/^kafkajs: fetch response decoding/);
    expect(c.get(5)).toMatch(/JSON row scanner/);
    expect(c.get(8)).toMatch(/^learner/);
  });

  it('counts builtins and libraries for the module that called them', () => {
    expect(c.get(4)).toBe(c.get(3));
    expect(c.get(9)).toBe(c.get(5));
  });

  it("keeps idle, the garbage collector and Node's own runtime apart", () => {
    expect(c.get(6)).toBe(IDLE);
    expect(c.get(7)).toBe(GC);
    expect(c.get(2)).toBe(RUNTIME);
    expect(c.get(10)).toBe(RUNTIME);
  });
});

describe('summarizeProfile', () => {
  it('sums self time by module inside the window, idle apart', () => {
    const s = summarizeProfile(PROFILE, 1_500, 11_000);
    expect(s.sampledMs).toBe(10);
    expect(s.idleMs).toBe(2);
    const ms = Object.fromEntries(s.categories.map((x) => [x.name.split(' ')[0], x.ms]));
    expect(ms).toEqual({ 'kafkajs:': 3, record: 2, garbage: 1, learner: 1, 'Node.js': 1 });
    expect(s.categories[0]?.ms).toBe(3);
    expect(s.topFunctions[0]).toEqual({
      name: 'decodeRecord node_modules/kafkajs/src/protocol/recordBatch/record/v0/decoder.js',
      ms: 2,
      category: s.categories[0]?.name,
    });
  });

  it('leaves out samples before and after the window', () => {
    // Samples at 7, 8 and 9 ms: idle, idle, the garbage collector.
    const s = summarizeProfile(PROFILE, 6_500, 9_500);
    expect(s.sampledMs).toBe(3);
    expect(s.idleMs).toBe(2);
    expect(s.categories).toEqual([{ name: GC, ms: 1 }]);
  });
});
