import { describe, expect, it } from 'vitest';
import { renderLabels, type LabelsFile, type PeerResult, type StreamtrainRun } from '../../../bench/quality/labels/table.js';

const counts = { joined: 90, defaulted: 10, dropped: 0, evicted: 0, late: 1, duplicates: 0, orphaned: 0 };

function run(dataset: string, setting: string, accuracy: number, onMissing?: 'default' | 'drop', joinRate = 0.9): StreamtrainRun {
  const join = { features: 100, labels: 91, counts, joinRate, missingBy: {}, delays: { count: 90, p50: 1, p99: 2 } };
  return { dataset, setting, accuracy, learned: 100, cpuSeconds: 0, wallSeconds: 0, ...(onMissing ? { onMissing, join } : {}) };
}

function peer(dataset: string, setting: string, accuracy: number, onMissing: 'default' | 'drop' | null): PeerResult {
  return { dataset, family: 'river-linear', timing: 'exact', setting, onMissing, accuracy, learned: 100, cpuSeconds: 0 };
}

describe('renderLabels', () => {
  it('reports the means over streams at the middle setting with onMissing default', () => {
    const file: LabelsFile = {
      protocol: {},
      versions: { node: 'v20', river: '0.26.1' },
      limit: undefined,
      settings: [
        { id: 'fast', meanDelayMs: 1000, maxDelayMs: 5000, missingShare: 0.1 },
        { id: 'mid', meanDelayMs: 10_000, maxDelayMs: 50_000, missingShare: 0.1 },
      ],
      middle: 'mid',
      streams: [
        { name: 'a', size: 100, width: 1, classes: 2 },
        { name: 'b', size: 100, width: 1, classes: 2 },
      ],
      streamtrain: [
        run('a', 'immediate', 0.9),
        run('b', 'immediate', 0.7),
        ...['a', 'b'].flatMap((d) => [
          run(d, 'fast', 0.1, 'default'),
          run(d, 'mid', d === 'a' ? 0.8 : 0.6, 'default', d === 'a' ? 0.9 : 0.8),
          run(d, 'mid', 0.2, 'drop'),
        ]),
      ],
      peers: [peer('a', 'mid', 0.5, 'default'), peer('b', 'mid', 0.3, 'default'), peer('a', 'mid', 0.1, 'drop'), peer('b', 'mid', 0.1, 'drop')],
      throughput: [
        { dataset: 'a', records: 100, plainPerS: 1000, joinPerS: 100, ratio: 0.1, repeats: 1 },
        { dataset: 'b', records: 300, plainPerS: 1000, joinPerS: 300, ratio: 0.3, repeats: 1 },
      ],
      wallSeconds: { total: 1, streamtrainSide: 1 },
    };
    const { keys, table } = renderLabels(file, undefined);
    expect(keys.labels_acc_immediate).toBeCloseTo(0.8, 10);
    expect(keys.labels_acc_delayed).toBeCloseTo(0.7, 10);
    expect(keys.labels_acc_river_delayed).toBeCloseTo(0.4, 10);
    expect(keys.labels_join_rate).toBeCloseTo(0.85, 10);
    // Pooled: 0.4 s straight over 2 s through the join.
    expect(keys.labels_join_vs_plain_ratio_inprocess).toBeCloseTo(0.2, 10);
    expect(table).toContain('| **mean** | mean 10 s (max 50 s) | 0.7000 | 0.2000 | 0.4000 | 0.1000 |');
  });
});
