/**
 * The shared harness of the development studies: the generated development streams (never the benchmark's Elec2
 * and SEA files), the protocol (logistic regression, Adam, a step per sample, batches of 32, the learning-rate grid,
 * best grid point per setting) and the runner, which sets every variant through public options only: the config
 * (`drift`, `model` overrides) and ModelManager's options (`errorTrend`, `restartDuringHoldoff`).
 */
import type { ModelManagerOptions } from '../src/adaptation/index.js';
import { rotatingHyperplane, seaConcepts, type DatasetSource } from '../src/datasets/index.js';
import { countEvents, runStateful } from '../bench/quality/streamtrain-learners.js';
import type { QualityStream } from '../bench/quality/streams.js';

export const log = (msg: string) => process.stderr.write(`[dev] ${msg}\n`);

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export const LENGTH = 30_000;
export const LR_GRID = [0.005, 0.05, 0.5];
export const BATCH = 32;

export interface Setting {
  readonly name: string;
  readonly responses: string[];
  readonly drift?: Record<string, unknown>;
  /** Overrides of the `model` section (weight averaging). */
  readonly model?: Record<string, unknown>;
  /** Public options of the manager beyond the config: a variant the config cannot express (an earlier rule). */
  readonly manager?: Pick<ModelManagerOptions, 'errorTrend' | 'restartDuringHoldoff'>;
}

export function materialize(name: string, source: DatasetSource, standardize: boolean): QualityStream {
  const fields = source.fields;
  const features: number[] = [];
  const labels: number[] = [];
  for (const r of source) {
    for (const f of fields) features.push(standardize ? ((r[f] as number) - 5) / (10 / Math.sqrt(12)) : (r[f] as number));
    labels.push(r.y as number);
  }
  return { name, width: fields.length, features: Float32Array.from(features), labels: Float32Array.from(labels), size: labels.length, driftPoints: [] };
}

export type Row = { stream: string; setting: string; lr: number; accuracy: number; trainSamples: number; events: Record<string, number>; earlyDrifts?: number };

/** `seedOffset` (added to every generator and noise seed) gives a replication's streams: same shapes, other draws. */
export function baseStreams(seedOffset = 0): QualityStream[] {
  return [
    materialize('sea-abrupt', seaConcepts({ seed: 101 + seedOffset, length: LENGTH, driftAt: [7_500, 15_000, 22_500], thresholds: [9, 7, 9.5, 8] }), true),
    materialize(
      'sea-gradual',
      seaConcepts({ seed: 102 + seedOffset, length: LENGTH, driftAt: [7_500, 15_000, 22_500], thresholds: [7, 9.5, 8, 9], driftWidth: 1_000 }),
      true,
    ),
    materialize('hyperplane', rotatingHyperplane({ seed: 103 + seedOffset, length: LENGTH, dims: 8, abruptAt: [10_000, 20_000] }), false),
    materialize('sea-stationary', seaConcepts({ seed: 104 + seedOffset, length: LENGTH, driftAt: [], thresholds: [8] }), true),
  ];
}

/** Labels flipped at rate `calm`, or `burst` while a two-state Markov chain is in its burst state. */
export function burstyNoise(s: QualityStream, seed: number, calm: number, burst: number, toBurst: number, toCalm: number): QualityStream {
  const rnd = lcg(seed);
  const labels = Float32Array.from(s.labels);
  let inBurst = false;
  for (let i = 0; i < labels.length; i++) {
    if (rnd() < (inBurst ? toCalm : toBurst)) inBurst = !inBurst;
    if (rnd() < (inBurst ? burst : calm)) labels[i] = 1 - (labels[i] as number);
  }
  return { ...s, labels };
}

/** The two streams with frequent detections of the hold-off study (see the header). */
export function frequentDetectionStreams(seedOffset = 0): QualityStream[] {
  const every = (n: number) => Array.from({ length: Math.floor((LENGTH - 1) / n) }, (_, i) => (i + 1) * n);
  return [
    materialize('hyperplane-redraws', rotatingHyperplane({ seed: 105 + seedOffset, length: LENGTH, dims: 4, abruptAt: every(1_000) }), false),
    burstyNoise(
      materialize('sea-bursty', seaConcepts({ seed: 106 + seedOffset, length: LENGTH, driftAt: [], thresholds: [8], noise: 0 }), true),
      106 + seedOffset,
      0.05,
      0.35,
      1 / 400,
      1 / 150,
    ),
  ];
}

/** Labels reversed (y -> 1 - y) on the index ranges [from, to). */
export function reversed(s: QualityStream, ranges: readonly [number, number][]): QualityStream {
  const labels = Float32Array.from(s.labels);
  for (const [from, to] of ranges) for (let i = from; i < Math.min(to, labels.length); i++) labels[i] = 1 - (labels[i] as number);
  return { ...s, labels };
}

/** The three streams of part 12 where the current defaults promote a challenger (see the header). */
export function promotionStreams(seedOffset = 0): QualityStream[] {
  const transient: [number, number][] = [
    [8_000, 11_000],
    [20_000, 23_000],
  ];
  return [
    reversed(materialize('hp-reversal-permanent', rotatingHyperplane({ seed: 107 + seedOffset, length: LENGTH, dims: 4 }), false), [[12_000, LENGTH]]),
    reversed(materialize('hp-reversal-transient', rotatingHyperplane({ seed: 108 + seedOffset, length: LENGTH, dims: 4 }), false), transient),
    reversed(materialize('sea-reversal-transient', seaConcepts({ seed: 109 + seedOffset, length: LENGTH, driftAt: [], thresholds: [8] }), true), transient),
  ];
}

/** The nine streams of parts 12 on: the six, and the three where the defaults promote a challenger. */
export const nineStreams = (seedOffset = 0) => [...baseStreams(seedOffset), ...frequentDetectionStreams(seedOffset), ...promotionStreams(seedOffset)];

/** Runs `settings` on every stream; rows of other settings already in `previous` are kept (so parts can be rerun). */
export async function streamsSection(settings: Setting[], previous: Row[] = [], streams = baseStreams(), order = settings.map((s) => s.name)) {
  const rows: Row[] = previous.filter((r) => !settings.some((s) => s.name === r.setting));
  for (const s of streams) {
    for (const setting of settings) {
      for (const lr of LR_GRID) {
        const r = await runStateful(s, lr, BATCH, setting.responses, 1, 'adam', setting.drift ?? {}, setting.model ?? {}, setting.manager ?? {});
        const events = countEvents(r.events);
        const earlyDrifts = r.events.filter((e) => e.endsWith(':drift') && Number(e.slice(0, e.indexOf(':'))) < 2000).length;
        rows.push({ stream: s.name, setting: setting.name, lr, accuracy: r.result.accuracy, trainSamples: r.result.trainSamples, events, earlyDrifts });
        log(`${s.name} ${setting.name} lr ${lr}: ${r.result.accuracy.toFixed(4)} (${r.result.trainSamples} trained) ${JSON.stringify(events)}`);
      }
    }
  }
  const best = order
    .filter((n) => rows.some((r) => r.setting === n))
    .map((setting) => {
      const perStream = Object.fromEntries(
        streams.map((s) => {
          const b = rows.filter((r) => r.stream === s.name && r.setting === setting).reduce((x, y) => (y.accuracy > x.accuracy ? y : x));
          return [s.name, { accuracy: b.accuracy, lr: b.lr, trainSamples: b.trainSamples, events: b.events, earlyDrifts: b.earlyDrifts }];
        }),
      );
      const accs = Object.values(perStream).map((p) => p.accuracy);
      return { setting, perStream, mean: accs.reduce((a, b) => a + b, 0) / accs.length };
    });
  const none = best.find((b) => b.setting === 'none');
  const withHarm = best.map((b) => ({
    ...b,
    worstVsNone: none ? Math.min(...streams.map((s) => (b.perStream[s.name]?.accuracy ?? 0) - (none.perStream[s.name]?.accuracy ?? 0))) : undefined,
  }));
  return { protocol: { length: LENGTH, lrGrid: LR_GRID, batch: BATCH, updateBatchSize: 1, optimizer: 'adam' }, best: withHarm, rows };
}

/** The mean of a study's best-grid (stream, row) accuracies over the settings whose name starts with `prefix`. */
export function settingMean(section: { best: { setting: string; mean: number }[] }, prefix: string): number {
  const rows = section.best.filter((b) => b.setting.startsWith(prefix));
  return rows.reduce((a, b) => a + b.mean, 0) / rows.length;
}

/** A study (on the six streams unless told), with each candidate's worst stream difference to the first (the incumbent). */
export async function study(settings: Setting[], streams = [...baseStreams(), ...frequentDetectionStreams()]) {
  const section = await streamsSection(
    settings,
    [],
    streams,
    settings.map((h) => h.name),
  );
  const first = section.best.find((b) => b.setting === settings[0]?.name);
  return {
    ...section,
    best: section.best.map((b) => ({
      ...b,
      worstVsNone: undefined,
      worstVsFirst: Math.min(...Object.entries(b.perStream).map(([k, p]) => p.accuracy - (first?.perStream[k]?.accuracy ?? 0))),
    })),
  };
}
