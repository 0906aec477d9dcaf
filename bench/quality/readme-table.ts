import { readFileSync, writeFileSync } from 'node:fs';
import type { LearnerResult } from './streamtrain-learners.js';
import type { DetectionScore } from './detector-eval.js';

/** Renders the quality results into README.md between the bench:quality markers. */
export function writeQualityTable(readme = 'README.md'): void {
  const ours = JSON.parse(readFileSync('bench/results/quality-streamtrain.json', 'utf8')) as { results: LearnerResult[]; detectors: Record<string, DetectionScore[]>; machine: string; date: string };
  const peers = (JSON.parse(readFileSync('bench/results/quality-peers.json', 'utf8')) as { results: LearnerResult[] }).results;
  const all = [...ours.results, ...peers].filter((r) => r.bestOfFamily);
  const order = ['streamtrain-stateful', 'streamtrain-drift', 'streamtrain-stateful-batchstep', 'streamtrain-adapt-batchstep', 'streamtrain-challenger-batchstep', 'streamtrain-drift-batchstep', 'stateless', 'river-logreg', 'sklearn-sgd', 'river-hat', 'river-arf'];
  const label: Record<string, string> = {
    'streamtrain-stateful': 'streamtrain stateful (a step per sample)',
    'streamtrain-drift': 'streamtrain stateful + adapt + challenger (a step per sample)',
    'streamtrain-stateful-batchstep': 'streamtrain stateful (a step per batch of 32)',
    'streamtrain-adapt-batchstep': '  + adapt (a step per batch)',
    'streamtrain-challenger-batchstep': '  + challenger (a step per batch)',
    'streamtrain-drift-batchstep': '  + adapt + challenger (a step per batch)',
    stateless: 'stateless retraining, best K/W/E',
    'river-logreg': 'River LogisticRegression',
    'sklearn-sgd': 'scikit-learn SGDClassifier',
    'river-hat': 'River Hoeffding Adaptive Tree',
    'river-arf': 'River ARF (adaptive random forest)',
  };
  const cell = (d: string, fam: string) => {
    const r = all.find((x) => x.dataset === d && x.family === fam);
    if (!r) return '| - | - | - ';
    const p = r.params as Record<string, unknown>;
    const params = fam === 'stateless' ? `lr ${p.learningRate}, K ${p.every}, W ${p.window}, E ${p.epochs}` : p.learningRate !== undefined ? `lr ${p.learningRate}` : p.lr !== undefined ? `lr ${p.lr}` : 'defaults';
    return `| ${r.accuracy.toFixed(4)} | ${r.trainSamples.toLocaleString('en-US')} / ${r.cpuSeconds.toFixed(1)} s | ${params} `;
  };
  const rows = order.map((f) => `| ${label[f]} ${cell('elec2', f)}${cell('sea', f)}|`);
  const det = (ours.detectors.sea ?? []).map((d) => `| ${d.detector} | ${d.detected}/3 | ${d.meanDelay === null ? '-' : Math.round(d.meanDelay)} | ${d.falseAlarms} |`);
  const text = [
    `Measured ${ours.date.slice(0, 10)} on ${ours.machine}; best grid point per learner (accuracy, training samples / CPU seconds, parameters).`,
    '',
    '| learner | Elec2 acc | Elec2 train samples / CPU | Elec2 params | SEA acc | SEA train samples / CPU | SEA params |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Drift detectors on SEA (error stream of the stateful learner with a step per batch, lr 0.05; a detection counts for a drift when it is the first in the 2500 samples after it; others are false alarms):',
    '',
    '| detector | drifts found | mean delay | false alarms |',
    '|---|---|---|---|',
    ...det,
  ].join('\n');
  const md = readFileSync(readme, 'utf8');
  const start = '<!-- bench:quality:start -->';
  const end = '<!-- bench:quality:end -->';
  const a = md.indexOf(start);
  const b = md.indexOf(end);
  if (a < 0 || b < 0) return;
  writeFileSync(readme, md.slice(0, a + start.length) + '\n' + text + '\n' + md.slice(b));
}
