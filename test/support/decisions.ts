import type { Decision } from '../../src/core/index.js';

/** A decision for tests: the fields a test does not care about filled in. */
export function decisionOf(seq: number, type: Decision['type'], extra: Partial<Decision> = {}): Decision {
  return { model: 'm', seq, type, at: '2026-12-03T10:00:00.000Z', by: 'test', reason: type, arms: [], stats: {}, startOffsets: [], ...extra };
}
