/**
 * The SEA detector evaluation of the quality benchmark, shared by run.ts and rescore-detectors.ts. Every drift
 * detector, with default parameters, reads an error stream (1 = error, 0 = correct) sample by sample; its alarms
 * are scored at SEA's known drift points next to a dummy that fires every DUMMY_EVERY samples. Two error streams:
 *   - live: the stateful learner (a step per batch, lr 0.05) that keeps adapting; it re-learns a new concept
 *     within a few hundred samples, so the error bump a detector has to see is small and short;
 *   - frozen: the same model frozen after learning the first concept (rows [0, 12500)), applied to the whole
 *     stream: its error rate changes exactly where the concept does, the signal the detector literature scores
 *     detectors on (MOA / CD-MOA: Bifet et al., IDA 2013). SEA's second drift (theta 9 -> 7) barely changes
 *     this model's error (see `segmentErrorRates`), so 2 of 3 is what a detector can honestly find there.
 */
import type { DetectorKind } from '../../src/core/index.js';
import { BEATS_RULE, DOMINATES_RULE, beats, detectionsOf, dominates, dummyDetections, scoreDetections, type DetectionScore } from './detector-eval.js';
import { frozenErrors, runStateful } from './streamtrain-learners.js';
import type { QualityStream } from './streams.js';

export const DETECTORS: DetectorKind[] = ['adwin', 'ddm', 'eddm', 'hddm-a', 'hddm-w', 'page-hinkley', 'kswin'];
export const TOLERANCE = 2500;
// Not a divisor of SEA's drift points (12500, 25000, 37500): a periodic alarm must not land on them by luck.
export const DUMMY_EVERY = 2000;
/** Fixed in advance (the middle of the grid), not tuned: the learner whose errors the detectors read. */
export const DETECTOR_LR = 0.05;

export interface DetectorStream {
  readonly stream: 'live' | 'frozen';
  readonly description: string;
  /** Error rate of the stream between consecutive drift points (the signal a detector has to find). */
  readonly segmentErrorRates: number[];
  readonly scores: DetectionScore[];
  readonly beatingDummy: string[];
  readonly dominatingDummy: string[];
  /** KSWIN samples at random: with seeds 1 to 10 (the listed result uses KSWIN_SEED), how many runs beat the dummy. */
  readonly kswinSeedsBeatingDummy: string;
}

export const DETECTOR_PROTOCOL = {
  errorStream: '1 = error, 0 = correct',
  tolerance: TOLERANCE,
  truePositive: `the first detection in [d, d + ${TOLERANCE}) of drift point d (and before the next drift); every other detection is a false alarm`,
  dummy: `fires every ${DUMMY_EVERY} samples whatever the data`,
  beats: BEATS_RULE,
  dominates: DOMINATES_RULE,
  detectorParameters: 'defaults (River parity); KSWIN seeded with KSWIN_SEED (42), and also scored with seeds 1 to 10',
};

function segmentRates(errors: Float32Array, driftPoints: readonly number[]): number[] {
  const bounds = [0, ...driftPoints, errors.length];
  const rates: number[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    let sum = 0;
    for (let i = bounds[k] as number; i < (bounds[k + 1] as number); i++) sum += errors[i] as number;
    rates.push(Number((sum / ((bounds[k + 1] as number) - (bounds[k] as number))).toFixed(4)));
  }
  return rates;
}

export function evaluateStream(stream: 'live' | 'frozen', description: string, errors: Float32Array, s: QualityStream): DetectorStream {
  const dummy = scoreDetections(`dummy every ${DUMMY_EVERY}`, dummyDetections(DUMMY_EVERY, s.size), s.driftPoints, TOLERANCE);
  const scores = [...DETECTORS.map((k) => scoreDetections(k, detectionsOf(k, errors), s.driftPoints, TOLERANCE)), dummy];
  const others = scores.filter((d) => d !== dummy);
  return {
    stream,
    description,
    segmentErrorRates: segmentRates(errors, s.driftPoints),
    scores,
    beatingDummy: others.filter((d) => beats(d, dummy)).map((d) => d.detector),
    dominatingDummy: others.filter((d) => dominates(d, dummy)).map((d) => d.detector),
    kswinSeedsBeatingDummy: `${Array.from({ length: 10 }, (_, k) => beats(scoreDetections('kswin', detectionsOf('kswin', errors, k + 1), s.driftPoints, TOLERANCE), dummy)).filter(Boolean).length}/10`,
  };
}

/** Both SEA detector evaluations; `liveErrors` when the caller already ran the live learner. */
export async function evaluateSeaDetectors(
  s: QualityStream,
  batch: number,
  liveErrors?: Float32Array,
): Promise<{ live: DetectorStream; frozen: DetectorStream }> {
  const live = liveErrors ?? (await runStateful(s, DETECTOR_LR, batch, [], batch, 'adam', {}, { standardize: false })).errors;
  const frozen = await frozenErrors(s, DETECTOR_LR, batch, s.driftPoints[0] as number);
  return {
    live: evaluateStream('live', `stateful learner, a step per batch of ${batch}, lr ${DETECTOR_LR}, adapting all along`, live, s),
    frozen: evaluateStream(
      'frozen',
      `the same model trained on rows [0, ${s.driftPoints[0]}) (first concept, a step per batch of ${batch}, lr ${DETECTOR_LR}), then frozen and applied to every row`,
      frozen,
      s,
    ),
  };
}

/** summary.json keys of the detector evaluation. */
export function detectorSummary(d: { live: DetectorStream; frozen: DetectorStream }): Record<string, unknown> {
  const adwin = (x: DetectorStream) => x.scores.find((r) => r.detector === 'adwin');
  return {
    sea_adwin_mean_delay: adwin(d.live)?.meanDelay,
    sea_adwin_false_alarms: adwin(d.live)?.falseAlarms,
    sea_adwin_missed: adwin(d.live)?.missed,
    sea_adwin_frozen_mean_delay: adwin(d.frozen)?.meanDelay,
    sea_adwin_frozen_false_alarms: adwin(d.frozen)?.falseAlarms,
    sea_adwin_frozen_missed: adwin(d.frozen)?.missed,
    sea_detectors_beating_dummy: d.live.beatingDummy,
    sea_detectors_beating_dummy_frozen: d.frozen.beatingDummy,
    sea_detectors_dominating_dummy: d.live.dominatingDummy,
    sea_detectors_dominating_dummy_frozen: d.frozen.dominatingDummy,
    sea_detector_beats_rule: BEATS_RULE,
  };
}
