import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { teamDraft, winnerOf } from '../../../src/rollout/index.js';

const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
const ranking = fc.array(fc.nat(30), { maxLength: 25 });

/** Each team's picks, in list order, appear in its ranking in the same order. */
function followsRanking(items: number[], teams: number[], r: readonly number[], team: number): boolean {
  const ranks = items.filter((_, i) => teams[i] === team).map((it) => r.indexOf(it));
  return ranks.every((x, i) => x >= 0 && (i === 0 || x > (ranks[i - 1] as number)));
}

describe('teamDraft', () => {
  it('of two rankings of the same items lists every item exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(permutation(n), permutation(n))),
        fc.string(),
        ([a, b], seed) => {
          const { items, teams } = teamDraft([a, b], seed);
          expect([...items].sort((x, y) => x - y)).toEqual([...a].sort((x, y) => x - y));
          expect(teams).toHaveLength(items.length);
        },
      ),
    );
  });

  it('never repeats an item; each team picks in its ranking order; team sizes differ by at most 1', () => {
    fc.assert(
      fc.property(ranking, ranking, fc.string(), fc.option(fc.nat(30), { nil: undefined }), (a, b, seed, length) => {
        const { items, teams } = teamDraft([a, b], seed, length);
        expect(new Set(items).size).toBe(items.length);
        if (length !== undefined) expect(items.length).toBeLessThanOrEqual(length);
        expect(followsRanking(items, teams, a, 0)).toBe(true);
        expect(followsRanking(items, teams, b, 1)).toBe(true);
        const zeros = teams.filter((t) => t === 0).length;
        expect(Math.abs(zeros - (teams.length - zeros))).toBeLessThanOrEqual(1);
        expect(teamDraft([a, b], seed, length)).toEqual({ items, teams });
      }),
    );
  });

  it('gives the same list for the same request id on every call, and a fair coin across ids', () => {
    const a = [0, 1, 2, 3, 4, 5];
    const b = [5, 4, 3, 2, 1, 0];
    expect(teamDraft([a, b], 'req-42')).toEqual(teamDraft([a, b], 'req-42'));
    let championFirst = 0;
    for (let i = 0; i < 4000; i++) if (teamDraft([a, b], `req-${i}`).teams[0] === 0) championFirst++;
    expect(championFirst / 4000).toBeGreaterThan(0.46);
    expect(championFirst / 4000).toBeLessThan(0.54);
  });

  it('interleaves two identical rankings into that ranking', () => {
    expect(
      teamDraft(
        [
          [3, 1, 2],
          [3, 1, 2],
        ],
        's',
      ).items,
    ).toEqual([3, 1, 2]);
  });

  it('stops when either ranking has nothing left to add, or at the length', () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      // Team 0 picking first ends the draft at [1]; team 1 first gives [2, 1].
      const r = teamDraft([[1], [2, 3, 4]], seed);
      expect(r.items).toEqual(r.teams[0] === 0 ? [1] : [2, 1]);
    }
    expect(
      teamDraft(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        'x',
        4,
      ).items,
    ).toHaveLength(4);
    expect(teamDraft([[], [1]], 'x').items).toEqual([]);
  });
});

describe('winnerOf', () => {
  it('credits each clicked position to its team; more clicks wins; ties and no clicks are undefined', () => {
    const teams = [0, 1, 1, 0, 1];
    expect(winnerOf(teams, [1])).toBe(1);
    expect(winnerOf(teams, [0, 3, 4])).toBe(0);
    expect(winnerOf(teams, [0, 1])).toBeUndefined();
    expect(winnerOf(teams, [])).toBeUndefined();
  });

  it('counts a position once and ignores positions outside the list', () => {
    const teams = [0, 1];
    expect(winnerOf(teams, [1, 1, 1, 0])).toBeUndefined();
    expect(winnerOf(teams, [0, 2, -1, 1.5, 99])).toBe(0);
  });
});
