/**
 * Reads the River parity vectors (test/fixtures/river/<detector>.json, written by scripts/river/make-vectors.py)
 * and replays them through our detectors. Shared by the parity test and scripts/river/parity-count.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDetector, DETECTOR_KINDS, type DetectorKind } from '../../../src/drift/index.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/river/', import.meta.url));

export interface ExpectedRun {
  readonly driftIndices: readonly number[];
  readonly warningIndices?: readonly number[];
}

export interface RiverVectorFile {
  readonly riverVersion: string;
  readonly detector: DetectorKind;
  readonly riverClass: string;
  readonly params: { readonly [set: string]: { readonly river: Record<string, unknown>; readonly streamtrain: Record<string, unknown> } };
  readonly streams: readonly { readonly name: string; readonly values: readonly number[]; readonly expected: { readonly [set: string]: ExpectedRun } }[];
}

export interface ParityCase {
  readonly detector: DetectorKind;
  readonly paramSet: string;
  readonly stream: string;
  readonly expected: ExpectedRun;
  readonly actual: Required<ExpectedRun>;
  readonly match: boolean;
}

export function loadRiverVectors(kind: DetectorKind): RiverVectorFile {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}${kind}.json`, 'utf8')) as RiverVectorFile;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Replays every (parameter set, stream) of one detector's vectors. */
export function replay(file: RiverVectorFile): ParityCase[] {
  const cases: ParityCase[] = [];
  for (const [paramSet, { streamtrain }] of Object.entries(file.params)) {
    for (const stream of file.streams) {
      const expected = stream.expected[paramSet] as ExpectedRun;
      const detector = createDetector(file.detector, streamtrain);
      const driftIndices: number[] = [];
      const warningIndices: number[] = [];
      stream.values.forEach((x, i) => {
        const status = detector.update(x);
        if (status.drift) driftIndices.push(i);
        if (status.warning) warningIndices.push(i);
      });
      const match =
        sameList(driftIndices, expected.driftIndices) && (expected.warningIndices === undefined || sameList(warningIndices, expected.warningIndices));
      cases.push({ detector: file.detector, paramSet, stream: stream.name, expected, actual: { driftIndices, warningIndices }, match });
    }
  }
  return cases;
}

/** Every case of every detector. */
export function replayAll(): ParityCase[] {
  return DETECTOR_KINDS.flatMap((kind) => replay(loadRiverVectors(kind)));
}
