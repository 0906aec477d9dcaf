/**
 * Renders the learning-quality tables from bench/results/quality-streamtrain.json and quality-peers.json into
 * docs/learning-quality.md, between `<!-- bench:quality:start -->` and `<!-- bench:quality:end -->`. Runs no
 * benchmark: `npx tsx bench/quality/readme-table.ts` re-renders the tables from the stored results (run.ts and
 * rescore-detectors.ts call it after a run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LearnerResult } from './streamtrain-learners.js';
import type { DetectionScore } from './detector-eval.js';
import type { DetectorStream } from './sea-detectors.js';

interface OursFile {
  results: LearnerResult[];
  detectors: Record<string, DetectionScore[]>;
  seaStreams?: { live: DetectorStream; frozen: DetectorStream };
  summary: Record<string, unknown>;
  machine: string;
  date: string;
}

const ORDER = [
  'streamtrain-stateful',
  'streamtrain-drift',
  'streamtrain-stateful-batchstep',
  'streamtrain-adapt-batchstep',
  'streamtrain-challenger-batchstep',
  'streamtrain-drift-batchstep',
  'stateless',
  'river-logreg',
  'sklearn-sgd',
  'river-hat',
  'river-arf',
];
/** The standardized-inputs protocol: every linear learner standardizes its features online. */
const STANDARDIZED = ['streamtrain-stateful-std', 'streamtrain-drift-std', 'stateless-std', 'river-logreg-std', 'sklearn-sgd-std'];
const DIAGNOSTICS = [
  'no-change',
  'streamtrain-stateful-noavg',
  'streamtrain-stateful-sgd',
  'river-logreg-adam',
  'streamtrain-stateful-sgd-std',
  'streamtrain-stateful-noavg-std',
];
const LABEL: Record<string, string> = {
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
  'no-change': 'reference: no-change classifier (repeats the previous label; no model)',
  'streamtrain-stateful-sgd': 'diagnostic: streamtrain stateful with SGD instead of Adam (a step per sample)',
  'streamtrain-stateful-noavg': 'diagnostic: streamtrain stateful without weight averaging (a step per sample)',
  'river-logreg-adam': 'diagnostic: River LogisticRegression with Adam instead of SGD',
  'streamtrain-stateful-sgd-std': 'diagnostic: standardized inputs, streamtrain stateful with SGD instead of Adam (a step per sample)',
  'streamtrain-stateful-noavg-std': 'diagnostic: standardized inputs, streamtrain stateful without weight averaging (a step per sample)',
  'streamtrain-stateful-std': 'standardized inputs: streamtrain stateful (a step per sample)',
  'streamtrain-drift-std': 'standardized inputs: streamtrain stateful + adapt + challenger (a step per sample)',
  'stateless-std': 'standardized inputs: stateless retraining, best K/W/E',
  'river-logreg-std': 'standardized inputs: River StandardScaler + LogisticRegression',
  'sklearn-sgd-std': 'standardized inputs: scikit-learn StandardScaler + SGDClassifier',
};

const num = (v: unknown, digits = 4) => (typeof v === 'number' ? v.toFixed(digits) : '-');
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

/** The file whose bench:quality markers the tables go between. */
export const QUALITY_DOC = 'docs/learning-quality.md';

/** Renders the quality results into `doc` between the bench:quality markers (the file is otherwise untouched). */
export function writeQualityTable(doc = QUALITY_DOC): void {
  const ours = JSON.parse(readFileSync('bench/results/quality-streamtrain.json', 'utf8')) as OursFile;
  const peers = (JSON.parse(readFileSync('bench/results/quality-peers.json', 'utf8')) as { results: LearnerResult[] }).results;
  const all = [...ours.results, ...peers].filter((r) => r.bestOfFamily);
  const cell = (d: string, fam: string) => {
    const r = all.find((x) => x.dataset === d && x.family === fam);
    if (!r) return '| - | - | - ';
    const p = r.params as Record<string, unknown>;
    const params = fam.startsWith('stateless')
      ? `lr ${p.learningRate}, K ${p.every}, W ${p.window}, E ${p.epochs}`
      : p.learningRate !== undefined
        ? `lr ${p.learningRate}`
        : p.lr !== undefined
          ? `lr ${p.lr}`
          : 'defaults';
    return `| ${r.accuracy.toFixed(4)} | ${r.trainSamples.toLocaleString('en-US')} / ${r.cpuSeconds.toFixed(1)} s | ${params} `;
  };
  const rows = [...ORDER, ...STANDARDIZED, ...DIAGNOSTICS].map((f) => `| ${LABEL[f]} ${cell('elec2', f)}${cell('sea', f)}|`);

  const s = ours.summary;
  /** One stream's row of a targets table: `keys` name the protocol's summary keys, `computeNote` the ratio's details. */
  const targetRow = (d: 'elec2' | 'sea', keys: { drift: string; stateless: string; logreg: string; ratio: string }, computeNote: string) => {
    const drift = s[`${d}_${keys.drift}`] as number;
    const stateless = s[`${d}_${keys.stateless}`] as number;
    const logreg = s[`${d}_${keys.logreg}`] as number;
    const ratio = s[`${d}_${keys.ratio}`] as number;
    return `| ${d === 'elec2' ? 'Elec2' : 'SEA'} | ${num(drift)} vs ${num(stateless)}: ${yes(drift >= stateless)} | ${num(ratio, 3)} (${computeNote}): ${yes(ratio <= 0.2)} | ${num(drift)} vs ${num(logreg)}: ${yes(drift >= logreg)} | ${num((s[`${d}_acc_river_best`] as number) - drift)} |`;
  };
  const datasets = ['elec2', 'sea'] as const;
  const topLearner = (d: string) => Math.max(...all.filter((r) => r.dataset === d && r.family !== 'no-change').map((r) => r.accuracy));
  const targets = datasets.map((d) =>
    targetRow(
      d,
      { drift: 'acc_stateful_drift', stateless: 'acc_stateless_best', logreg: 'acc_river_logreg', ratio: 'compute_ratio_stateful_vs_stateless' },
      `vs the cheapest stateless setting within 0.005 of the best: ${num(s[`${d}_compute_ratio_vs_stateless_near_best`], 3)}; one pass: ${num(s[`${d}_compute_ratio_one_pass_vs_stateless`], 3)}; CPU ${num(s[`${d}_cpu_ratio_stateful_vs_stateless`], 2)}, a step per batch ${num(s[`${d}_cpu_ratio_stateful_batchstep_vs_stateless`], 2)}`,
    ),
  );
  const targetsStd = datasets.map((d) =>
    targetRow(
      d,
      { drift: 'acc_stateful_drift_std', stateless: 'acc_stateless_best_std', logreg: 'acc_river_logreg_std', ratio: 'compute_ratio_std' },
      `CPU ${num(s[`${d}_cpu_ratio_std`], 2)}`,
    ),
  );

  const streams = ours.seaStreams;
  const det: string[] = [];
  if (streams) {
    const f = (d?: DetectionScore) =>
      d ? `| ${d.detected}/3 | ${d.meanDelay === null ? '-' : Math.round(d.meanDelay)} | ${d.falseAlarms} | ${d.f1.toFixed(2)} ` : '| - | - | - | - ';
    for (const d of streams.live.scores) {
      const fr = streams.frozen.scores.find((x) => x.detector === d.detector);
      const verdict = d.detector.startsWith('dummy')
        ? '(baseline)'
        : `${yes(streams.live.beatingDummy.includes(d.detector))} / ${yes(streams.frozen.beatingDummy.includes(d.detector))}`;
      det.push(`| ${d.detector} ${f(d)}${f(fr)}| ${verdict} |`);
    }
  }
  const text = [
    `Measured ${ours.date.slice(0, 10)} on ${ours.machine}; best grid point per learner (accuracy, training samples / CPU seconds, parameters). Diagnostic rows change one setting of a learner to explain a difference; they are no headline number.`,
    '',
    '| learner | Elec2 acc | Elec2 train samples / CPU | Elec2 params | SEA acc | SEA train samples / CPU | SEA params |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Targets (stateful + adapt + challenger, a step per sample; compute = training samples, stateful + drift over the most accurate stateless setting; "one pass" = every sample trained once, the least any stateful learner can train):',
    '',
    '| stream | as accurate as best stateless | compute ratio <= 0.2 | as accurate as River LogisticRegression | gap to River best (ARF/HAT) |',
    '|---|---|---|---|---|',
    ...targets,
    '',
    `Temporal dependence (a reference, not a target): repeating the previous label scores ${num(s.elec2_acc_no_change)} on Elec2 and ${num(s.sea_acc_no_change)} on SEA; the most accurate learner above scores ${num(topLearner('elec2'))} and ${num(topLearner('sea'))}. Elec2's labels follow a state that lasts for hours, which a model of the features alone does not see. Kappa-temporal (accuracy relative to that classifier; 0 = as good as repeating the last label), stateful + drift / River's best: Elec2 ${num(s.elec2_kappa_temporal_stateful_drift, 3)} / ${num(s.elec2_kappa_temporal_river_best, 3)}, SEA ${num(s.sea_kappa_temporal_stateful_drift, 3)} / ${num(s.sea_kappa_temporal_river_best, 3)}.`,
    '',
    'The same targets under the standardized-inputs protocol (every linear learner standardizes its features online: streamtrain `model.standardize`, the stateless baseline with it, River `StandardScaler | LogisticRegression`, scikit-learn `StandardScaler` + `SGDClassifier`; trees need no scaling):',
    '',
    '| stream | as accurate as best stateless | compute ratio <= 0.2 | as accurate as River LogisticRegression | gap to River best (ARF/HAT) |',
    '|---|---|---|---|---|',
    ...targetsStd,
    '',
    ...(streams
      ? [
          `Drift detectors on SEA, default parameters, on two error streams (1 = error): **live**, the ${streams.live.description}; **frozen**, ${streams.frozen.description} (MOA/CD-MOA practice: its error changes only where the concept does). Error rate between drift points, live: ${streams.live.segmentErrorRates.join(', ')}; frozen: ${streams.frozen.segmentErrorRates.join(', ')} (SEA's second drift, theta 9 to 7, barely moves the frozen model's error). A detection counts for a drift when it is the first in the 2500 samples after it; others are false alarms. A detector **beats the dummy** when its detection F1 = 2 TP / (2 TP + false alarms + missed) is higher than the dummy's on the same stream (ties: shorter mean delay); a periodic alarm finds every drift by construction, so drifts found alone cannot tell a detector from it.`,
          '',
          '| detector | live: found | delay | false alarms | F1 | frozen: found | delay | false alarms | F1 | beats the dummy (live / frozen) |',
          '|---|---|---|---|---|---|---|---|---|---|',
          ...det,
          '',
          `Stricter rule (at least as many drifts found and fewer false alarms): live ${streams.live.dominatingDummy.join(', ') || 'none'}; frozen ${streams.frozen.dominatingDummy.join(', ') || 'none'}.`,
          ...(streams.live.kswinSeedsBeatingDummy
            ? [
                '',
                `KSWIN samples its older window at random; the table's run is seeded (42). With seeds 1 to 10 it beats the dummy in ${streams.live.kswinSeedsBeatingDummy} runs on the live stream and ${streams.frozen.kswinSeedsBeatingDummy} on the frozen one.`,
              ]
            : []),
        ]
      : []),
  ].join('\n');
  const md = readFileSync(doc, 'utf8');
  const start = '<!-- bench:quality:start -->';
  const end = '<!-- bench:quality:end -->';
  const a = md.indexOf(start);
  const b = md.indexOf(end);
  if (a < 0 || b < a) {
    process.stderr.write(`${doc} has no ${start} ... ${end} markers; not modified.\n`);
    return;
  }
  writeFileSync(doc, md.slice(0, a + start.length) + '\n' + text + '\n' + md.slice(b));
  process.stderr.write(`${doc} quality tables updated.\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeQualityTable();
