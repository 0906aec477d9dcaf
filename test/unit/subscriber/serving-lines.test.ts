import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Live } from '../../../src/subscriber/loaded-model.js';
import { ServingLines } from '../../../src/subscriber/serving-lines.js';
import { decisionOf } from '../../support/decisions.js';

// Routing never calls the model: a version's name stands in for it.
const live = (version: string): Live => ({
  key: '',
  version,
  createdAt: '2026-12-03T00:00:00.000Z',
  major: Number(version.split('.')[0]),
  model: {} as Live['model'],
  width: 3,
});
const decision = decisionOf;

describe('ServingLines', () => {
  it('under immediate serves the newest line, and a pin over it', () => {
    const lines = new ServingLines('immediate');
    lines.admit(live('1.0'), false);
    expect(lines.accepts('2.0', 2)).toBe(true);
    expect(lines.admit(live('2.0'), false).map((l) => l.version)).toEqual(['1.0']);
    expect(lines.route('k')?.champion.version).toBe('2.0');
    expect(lines.apply(decision(1, 'pin', { version: '1.0' }))).toEqual([{ version: '1.0' }]);
    lines.admit(live('1.0'), true);
    expect(lines.route('k')?.champion.version).toBe('1.0');
    lines.apply(decision(2, 'unpin'));
    expect(lines.retire().map((l) => l.version)).toEqual(['1.0']);
    expect(lines.route('k')?.champion.version).toBe('2.0');
  });

  it('under canary holds a new line back until the decider starts it, then routes keys by share', () => {
    const lines = new ServingLines('canary');
    lines.admit(live('1.3'), false);
    lines.apply(decision(1, 'baseline', { version: '1.3' }));
    expect(lines.accepts('2.0', 2)).toBe(false);
    expect(lines.accepts('1.4', 1)).toBe(true);
    expect(lines.apply(decision(2, 'start', { policy: 'canary', champion: 1, arms: [{ major: 2, share: 0.3 }] }))).toEqual([{ major: 2 }]);
    lines.admit(live('2.0'), false);
    const served = Array.from({ length: 2_000 }, (_, i) => lines.route(`user-${i}`)?.candidate?.version ?? 'champion');
    const share = served.filter((v) => v === '2.0').length / served.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    lines.apply(decision(3, 'reject', { version: '2.0' }));
    expect(lines.retire().map((l) => l.version)).toEqual(['2.0']);
    expect(lines.route('user-1')?.candidate).toBeUndefined();
    expect(lines.accepts('2.1', 2)).toBe(false);
  });

  it('keeps every key of a canary in it as the share grows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        (keys, first) => {
          const lines = new ServingLines('canary');
          lines.admit(live('1.0'), false);
          lines.apply(decision(1, 'start', { policy: 'canary', champion: 1, arms: [{ major: 2, share: first }] }));
          lines.admit(live('2.0'), false);
          const before = keys.filter((k) => lines.route(k)?.candidate);
          lines.apply(decision(2, 'step', { arms: [{ major: 2, share: Math.min(1, first * 2) }] }));
          for (const k of before) expect(lines.route(k)?.candidate?.version).toBe('2.0');
        },
      ),
    );
  });

  it('under shadow answers with the champion and shadows the candidate', () => {
    const lines = new ServingLines('shadow');
    lines.admit(live('1.0'), false);
    lines.apply(decision(1, 'start', { policy: 'shadow', champion: 1, arms: [{ major: 2, share: 0 }] }));
    lines.admit(live('2.0'), false);
    const r = lines.route('k');
    expect(r?.champion.version).toBe('1.0');
    expect(r?.candidate).toBeUndefined();
    expect(r?.shadows.map((l) => l.version)).toEqual(['2.0']);
    lines.apply(decision(2, 'promote', { version: '2.0' }));
    expect(lines.retire().map((l) => l.version)).toEqual(['1.0']);
    expect(lines.route('k')?.champion.version).toBe('2.0');
  });
});
