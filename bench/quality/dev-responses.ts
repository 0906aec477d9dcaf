/**
 * `npx tsx bench/quality/dev-responses.ts`: chooses the `adapt` response's defaults on development streams, never
 * on the benchmark's Elec2 and SEA files. The streams come from the project's own generators with seeds,
 * concept orders and drift shapes that the benchmark does not use:
 *   - sea-abrupt: SEA concepts, seed 101, thresholds 9 -> 7 -> 9.5 -> 8, abrupt changes every 7,500;
 *   - sea-gradual: SEA concepts, seed 102, thresholds 7 -> 9.5 -> 8 -> 9, changes over 1,000 records;
 *   - hyperplane: rotating hyperplane, seed 103, 8 features, continual rotation plus two abrupt redraws.
 * Protocol as in the quality benchmark: logistic regression, Adam, a step per sample, batches of 32, the same
 * learning-rate grid, best grid point per setting; SEA features standardized with the generator's range.
 * Grid: learningRateFactor {2, 5} x resetOptimizer {true, false}, forSamples 2000, and no response at all.
 * Writes bench/results/quality-dev-responses.json.
 */
import { writeFileSync } from 'node:fs';
import { rotatingHyperplane, seaConcepts, type DatasetSource } from '../../src/datasets/index.js';
import { runStateful } from './streamtrain-learners.js';
import type { QualityStream } from './streams.js';

const LENGTH = 30_000;
const LR_GRID = [0.005, 0.05, 0.5];
const BATCH = 32;
const SETTINGS: { name: string; responses: string[]; adapt?: Record<string, unknown> }[] = [
  { name: 'none', responses: [] },
  ...[2, 5].flatMap((learningRateFactor) =>
    [true, false].map((resetOptimizer) => ({ name: `adapt x${learningRateFactor}${resetOptimizer ? ', reset' : ''}`, responses: ['adapt'], adapt: { learningRateFactor, forSamples: 2000, resetOptimizer } })),
  ),
];

function materialize(name: string, source: DatasetSource, standardize: boolean): QualityStream {
  const fields = source.fields;
  const features: number[] = [];
  const labels: number[] = [];
  for (const r of source) {
    for (const f of fields) features.push(standardize ? ((r[f] as number) - 5) / (10 / Math.sqrt(12)) : (r[f] as number));
    labels.push(r.y as number);
  }
  return { name, width: fields.length, features: Float32Array.from(features), labels: Float32Array.from(labels), size: labels.length, driftPoints: [] };
}

const streams = [
  materialize('sea-abrupt', seaConcepts({ seed: 101, length: LENGTH, driftAt: [7_500, 15_000, 22_500], thresholds: [9, 7, 9.5, 8] }), true),
  materialize('sea-gradual', seaConcepts({ seed: 102, length: LENGTH, driftAt: [7_500, 15_000, 22_500], thresholds: [7, 9.5, 8, 9], driftWidth: 1_000 }), true),
  materialize('hyperplane', rotatingHyperplane({ seed: 103, length: LENGTH, dims: 8, abruptAt: [10_000, 20_000] }), false),
];

const rows: { stream: string; setting: string; lr: number; accuracy: number; adaptPeriods: number }[] = [];
for (const s of streams) {
  for (const setting of SETTINGS) {
    for (const lr of LR_GRID) {
      const r = await runStateful(s, lr, BATCH, setting.responses, 1, 'adam', setting.adapt ? { adapt: setting.adapt } : {});
      rows.push({ stream: s.name, setting: setting.name, lr, accuracy: r.result.accuracy, adaptPeriods: r.events.filter((e) => e.endsWith('adapt-started')).length });
      process.stderr.write(`[dev] ${s.name} ${setting.name} lr ${lr}: ${r.result.accuracy.toFixed(4)}\n`);
    }
  }
}
const best = SETTINGS.map((setting) => {
  const perStream = Object.fromEntries(streams.map((s) => [s.name, Math.max(...rows.filter((r) => r.stream === s.name && r.setting === setting.name).map((r) => r.accuracy))]));
  return { setting: setting.name, perStream, mean: Object.values(perStream).reduce((a, b) => a + b, 0) / streams.length };
});
writeFileSync('bench/results/quality-dev-responses.json', `${JSON.stringify({ protocol: { length: LENGTH, lrGrid: LR_GRID, batch: BATCH, updateBatchSize: 1 }, best, rows }, null, 2)}\n`);
for (const b of best) process.stdout.write(`${b.setting.padEnd(16)} ${Object.values(b.perStream).map((a) => a.toFixed(4)).join('  ')}  mean ${b.mean.toFixed(4)}\n`);
