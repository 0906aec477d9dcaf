import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/index.js';
import { applyDecision, initialServingState, servingStateOf } from '../../../src/rollout/serving-state.js';
import { decisionOf } from '../../support/decisions.js';

let seq = 0;
const d = (type: Decision['type'], extra: Partial<Decision> = {}): Decision => decisionOf(++seq, type, extra);

describe('serving state', () => {
  it('follows a canary from baseline through steps to promotion', () => {
    seq = 0;
    const s = servingStateOf([
      d('baseline', { version: '1.4', champion: 1 }),
      d('start', { policy: 'canary', champion: 1, arms: [{ major: 2, share: 0.01 }] }),
      d('step', { arms: [{ major: 2, share: 0.05 }] }),
    ]);
    expect(s).toMatchObject({ seq: 3, champion: 1, rollout: { id: 2, policy: 'canary', arms: [{ major: 2, share: 0.05 }] } });
    const promoted = applyDecision(s, d('promote', { version: '2.3', champion: 2 }));
    expect(promoted.champion).toBe(2);
    expect(promoted.rollout).toBeUndefined();
  });

  it('a rejected line leaves the rollout and is remembered', () => {
    seq = 0;
    const s = servingStateOf([
      d('baseline', { version: '1.0' }),
      d('start', {
        policy: 'ab',
        champion: 1,
        arms: [
          { major: 2, share: 0.25 },
          { major: 3, share: 0.25 },
        ],
      }),
      d('reject', { version: '2.1' }),
    ]);
    expect(s.rollout?.arms).toEqual([{ major: 3, share: 0.25 }]);
    expect(s.rejected).toEqual([2]);
    const none = applyDecision(s, d('reject', { version: '3.0' }));
    expect(none.rollout).toBeUndefined();
    expect(none.champion).toBe(1);
  });

  it('a rollback pins the version and ends the rollout; unpin returns to the champion line', () => {
    seq = 0;
    const s = servingStateOf([
      d('baseline', { version: '2.0' }),
      d('start', { policy: 'shadow', champion: 2, arms: [{ major: 3, share: 0 }] }),
      d('rollback', { version: '1.7', training: 'continue' }),
    ]);
    expect(s.pin).toMatchObject({ version: '1.7', untilPromote: false });
    expect(s.rollout).toBeUndefined();
    expect(applyDecision(s, d('promote', { version: '3.0' })).pin?.version).toBe('1.7');
    const unpinned = applyDecision(s, d('unpin'));
    expect(unpinned.pin).toBeUndefined();
    expect(unpinned.champion).toBe(2);
  });

  it('a rollback with training restart is ended by the restarted line’s promotion', () => {
    seq = 0;
    const s = servingStateOf([d('baseline', { version: '2.0' }), d('rollback', { version: '1.7', training: 'restart' }), d('promote', { version: '3.0' })]);
    expect(s.pin).toBeUndefined();
    expect(s.champion).toBe(3);
  });

  it('is the same when every decision is delivered twice', () => {
    const types: Decision['type'][] = ['baseline', 'start', 'step', 'promote', 'reject', 'rollback', 'pin', 'unpin'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...types), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 9 })), { maxLength: 30 }), (ops) => {
        const decisions = ops.map(
          ([type, major, minor], i) =>
            ({
              ...d(type, {
                version: `${major}.${minor}`,
                champion: major,
                ...(type === 'start' ? { policy: 'canary' as const, arms: [{ major: major + 1, share: 0.1 }] } : {}),
              }),
              seq: i + 1,
            }) as Decision,
        );
        const once = servingStateOf(decisions);
        const twice = decisions.flatMap((x) => [x, x]).reduce(applyDecision, initialServingState);
        expect(twice).toEqual(once);
        expect(once.seq).toBe(decisions.length);
      }),
    );
  });
});
