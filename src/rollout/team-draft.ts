import { fmix32, fnv1aUtf8 } from './hash.js';

/** One interleaved result list: the items in order, and for each position the team (0 or 1) that contributed it. */
export interface Interleaving {
  readonly items: number[];
  readonly teams: number[];
}

/**
 * Team-draft interleaving of two rankings of item indices (0: the champion's, 1: the candidate's). Round by round,
 * the team with fewer picks so far picks next (on equal counts a coin decides); a team picks its highest-ranked
 * item not yet in the list. The draft stops when either ranking has no item left to add, or at `length` items, so
 * the teams' sizes never differ by more than one. Items repeated inside one ranking are taken once.
 *
 * The coins are deterministic: coin j is the top bit of `fmix32(h + j · 0x9e3779b9)`, where `h` is FNV-1a of the
 * UTF-8 bytes of `seed` (src/rollout/hash.ts). Every replica interleaving the same rankings for the same request id
 * produces the same list.
 *
 * @see O. Chapelle, T. Joachims, F. Radlinski, Y. Yue, "Large-scale validation and analysis of interleaved search
 *   evaluation", ACM TOIS 30(1), 2012 (team-draft interleaving, Algorithm 2).
 */
export function teamDraft(rankings: readonly [readonly number[], readonly number[]], seed: string, length?: number): Interleaving {
  const limit = length === undefined ? Infinity : Math.max(0, Math.floor(length));
  const h = fnv1aUtf8(seed);
  const taken = new Set<number>();
  const items: number[] = [];
  const teams: number[] = [];
  const next = [0, 0];
  const picks = [0, 0];
  let coin = 0;
  /** Moves team t's cursor past items already taken; false when its ranking is used up. */
  const hasNext = (t: 0 | 1): boolean => {
    const r = rankings[t];
    while ((next[t] as number) < r.length && taken.has(r[next[t] as number] as number)) next[t] = (next[t] as number) + 1;
    return (next[t] as number) < r.length;
  };
  while (items.length < limit && hasNext(0) && hasNext(1)) {
    let team: 0 | 1;
    if (picks[0] !== picks[1]) team = (picks[0] as number) < (picks[1] as number) ? 0 : 1;
    else team = fmix32((h + Math.imul(coin++, 0x9e3779b9)) >>> 0) >>> 31 === 0 ? 0 : 1;
    const item = rankings[team][next[team] as number] as number;
    taken.add(item);
    items.push(item);
    teams.push(team);
    picks[team] = (picks[team] as number) + 1;
  }
  return { items, teams };
}

/**
 * The team whose items got more clicks, or undefined on a tie (no clicks included). Each clicked position counts
 * once; positions outside the list are ignored.
 */
export function winnerOf(teams: readonly number[], clickedPositions: readonly number[]): 0 | 1 | undefined {
  const seen = new Set<number>();
  let credit = 0;
  for (const p of clickedPositions) {
    if (!Number.isInteger(p) || p < 0 || p >= teams.length || seen.has(p)) continue;
    seen.add(p);
    const t = teams[p];
    if (t === 0) credit--;
    else if (t === 1) credit++;
  }
  return credit > 0 ? 1 : credit < 0 ? 0 : undefined;
}
