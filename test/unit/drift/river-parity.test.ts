import { afterAll, describe, expect, it } from 'vitest';
import { DETECTOR_KINDS } from '../../../src/drift/index.js';
import { loadRiverVectors, replay, type ParityCase } from './river-vectors.js';

/** (detector, parameter set, stream) cases whose drift or warning indices differ from River's. */
export const mismatches: ParityCase[] = [];

describe('River parity: same drift (and warning) indices as River on the recorded vectors', () => {
  for (const kind of DETECTOR_KINDS) {
    const file = loadRiverVectors(kind);
    describe(`${kind} (${file.riverClass}, River ${file.riverVersion})`, () => {
      for (const c of replay(file)) {
        it(`${c.paramSet} params, ${c.stream}: ${c.expected.driftIndices.length} drifts`, () => {
          if (!c.match) mismatches.push(c);
          expect(c.actual.driftIndices).toEqual(c.expected.driftIndices);
          if (c.expected.warningIndices) expect(c.actual.warningIndices).toEqual(c.expected.warningIndices);
        });
      }
    });
  }

  afterAll(() => {
    console.log(JSON.stringify({ river_parity_mismatches: mismatches.length }));
  });
});
