/**
 * Re-scores the SEA detectors in bench/results/quality-streamtrain.json without re-running every learner:
 * `tsx bench/quality/rescore-detectors.ts` (same rules as run.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { DetectorKind } from '../../src/core/index.js';
import { beats, detectionsOf, dummyDetections, scoreDetections } from './detector-eval.js';
import { writeQualityTable } from './readme-table.js';
import { runStateful } from './streamtrain-learners.js';
import { loadStream } from './streams.js';

const KINDS: DetectorKind[] = ['adwin', 'ddm', 'eddm', 'hddm-a', 'hddm-w', 'page-hinkley', 'kswin'];
const file = 'bench/results/quality-streamtrain.json';
const data = JSON.parse(readFileSync(file, 'utf8'));
const { tolerance, dummyEvery, batchSize } = data.protocol;
const s = loadStream('sea');
const { errors } = await runStateful(s, 0.05, batchSize, [], batchSize);
const dummy = scoreDetections(`dummy every ${dummyEvery}`, dummyDetections(dummyEvery, s.size), s.driftPoints, tolerance);
data.detectors.sea = [...KINDS.map((k) => scoreDetections(k, detectionsOf(k, errors), s.driftPoints, tolerance)), dummy];
const adwin = data.detectors.sea[0];
Object.assign(data.summary, {
  sea_adwin_mean_delay: adwin.meanDelay,
  sea_adwin_false_alarms: adwin.falseAlarms,
  sea_adwin_missed: adwin.missed,
  sea_detectors_beating_dummy: data.detectors.sea.filter((d: typeof dummy) => d !== dummy && beats(d, dummy)).map((d: typeof dummy) => d.detector),
});
writeFileSync(file, JSON.stringify(data, null, 2));
const summaryPath = 'bench/results/summary.json';
writeFileSync(summaryPath, JSON.stringify({ ...JSON.parse(readFileSync(summaryPath, 'utf8')), ...data.summary }, null, 2) + '\n');
writeQualityTable();
process.stdout.write(JSON.stringify(data.detectors.sea.map((d: typeof dummy) => [d.detector, d.detected, d.meanDelay, d.falseAlarms])) + '\n');
