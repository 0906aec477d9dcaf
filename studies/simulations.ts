/**
 * The simulations of studies/dev-responses.ts (no model, no stream): part 1's race rules, part 16's races under
 * dependent errors, and part 23's rise check under errors in runs. Each uses the production class (Race,
 * PairedComparison, ErrorTrend) through its public API; the rules it compares against are written out here.
 */
import { ErrorTrend, PairedComparison, Race, type ErrorTrendOptions } from '../src/adaptation/index.js';
import { lcg, log } from './harness.js';

// ---------------------------------------------------------------- 1. race rules, by simulation

export const RACE = { minSamples: 1000, maxSamples: 20_000, margin: 0.01, alpha: 0.01 };
export const RACES = 1000;

type Rule = (look: number, lead: number, pValue: number, alpha: number, previousLead: number) => boolean;
/** Drop rules evaluated at each look that does not promote (the race also ends at maxSamples). */
const ALTERNATIVES: Record<string, Rule> = {
  'before: significantly worse at any look, no futility': (_k, lead, p, a) => lead < 0 && p < a,
  'significantly worse from look 2, no futility': (k, lead, p, a) => k >= 2 && lead < 0 && p < a,
  'from look 2: not ahead (lead <= 0)': (k, lead, p, a) => k >= 2 && (lead <= 0 || p < a),
  'from look 2: not ahead twice in a row': (k, lead, p, a, prev) => k >= 2 && ((lead <= 0 && prev <= 0) || (lead < 0 && p < a)),
  'from half of maxSamples: not ahead': (k, lead, p, a) => k >= 2 && ((k >= RACE.maxSamples / RACE.minSamples / 2 && lead <= 0) || (lead < 0 && p < a)),
};
const CHOSEN = 'chosen (Race): from look 2, behind by the margin (lead <= -margin) or significantly worse';

/** One block of paired errors; the challenger's rate decays from 0.5 to `challenger` with time constant `warmUp`. */
function block(rnd: () => number, from: number, champion: number, challenger: number, warmUp: number): [Float32Array, Float32Array] {
  const a = new Float32Array(RACE.minSamples);
  const b = new Float32Array(RACE.minSamples);
  for (let i = 0; i < RACE.minSamples; i++) {
    const rate = warmUp > 0 ? challenger + (0.5 - challenger) * Math.exp(-(from + i) / warmUp) : challenger;
    a[i] = rnd() < champion ? 1 : 0;
    b[i] = rnd() < rate ? 1 : 0;
  }
  return [a, b];
}

function simulate(champion: number, challenger: number, warmUp: number, rule?: Rule): { promoted: number; meanPairs: number } {
  let promoted = 0;
  let pairs = 0;
  for (let seed = 1; seed <= RACES; seed++) {
    const rnd = lcg(seed * 7919 + 13);
    if (!rule) {
      const race = new Race('classification', RACE);
      for (let n = 0; ; n += RACE.minSamples) {
        const v = race.add(...block(rnd, n, champion, challenger, warmUp));
        if (v === 'continue') continue;
        if (v === 'promote') promoted++;
        pairs += race.comparison.total;
        break;
      }
      continue;
    }
    const looks = Math.ceil(RACE.maxSamples / RACE.minSamples);
    const c = new PairedComparison('classification', RACE.minSamples, RACE.margin, RACE.alpha / looks);
    let previous = Infinity;
    for (let k = 1; k <= looks; k++) {
      c.add(...block(rnd, (k - 1) * RACE.minSamples, champion, challenger, warmUp));
      const r = c.result();
      if (r.challengerWins) promoted++;
      if (r.challengerWins || k === looks || rule(k, r.lead, r.pValue, c.alpha, previous)) break;
      previous = r.lead;
    }
    pairs += c.total;
  }
  return { promoted: promoted / RACES, meanPairs: Math.round(pairs / RACES) };
}

export function raceSection() {
  const cases: { champion: number; challenger: number; warmUp: number }[] = [];
  for (const warmUp of [0, 300])
    for (const [champion, challenger] of [
      [0.3, 0.3],
      [0.3, 0.29],
      [0.3, 0.27],
      [0.3, 0.25],
      [0.3, 0.2],
      [0.3, 0.35],
      [0.1, 0.1],
      [0.1, 0.07],
    ] as const)
      cases.push({ champion, challenger, warmUp });
  const rows = cases.map((c) => {
    const rules: Record<string, { promoted: number; meanPairs: number }> = { [CHOSEN]: simulate(c.champion, c.challenger, c.warmUp) };
    for (const [name, rule] of Object.entries(ALTERNATIVES)) rules[name] = simulate(c.champion, c.challenger, c.warmUp, rule);
    log(
      `race ${c.champion} vs ${c.challenger}, warm-up ${c.warmUp}: ${Object.entries(rules)
        .map(([n, r]) => `${n.slice(0, 24)} ${r.promoted.toFixed(3)}/${r.meanPairs}`)
        .join(' | ')}`,
    );
    return { ...c, rules };
  });
  return {
    settings: RACE,
    races: RACES,
    note: 'independent 0/1 errors; warmUp > 0: the challenger error decays from 0.5 with that time constant (samples)',
    rows,
  };
}

/** Part 16: races under dependent errors (see the header). */
export const TESTS = ['independent', 'batch-means'] as const;

/** Paired errors whose disagreements come in runs: a Markov chain over agree / champion only wrong / challenger only wrong. */
function clusteredPairs(rnd: () => number, n: number, runLength: number, disagreement: number, state: { s: number }): [Float32Array, Float32Array] {
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (rnd() < 1 / runLength) {
      const u = rnd();
      state.s = u < 1 - disagreement ? 0 : u < 1 - disagreement / 2 ? 1 : 2;
    }
    if (state.s === 0) a[i] = b[i] = rnd() < 0.1 ? 1 : 0;
    else if (state.s === 1) a[i] = 1;
    else b[i] = 1;
  }
  return [a, b];
}

export function dependentPairsSection() {
  const level = [1, 10, 50].map((runLength) => {
    const rates = Object.fromEntries(
      TESTS.map((test) => {
        let promoted = 0;
        for (let seed = 1; seed <= RACES; seed++) {
          const rnd = lcg(seed * 104729 + runLength);
          const state = { s: 0 };
          const race = new Race('classification', { ...RACE, test });
          for (;;) {
            const v = race.add(...clusteredPairs(rnd, 50, runLength, 0.2, state));
            if (v === 'promote') promoted++;
            if (v !== 'continue') break;
          }
        }
        return [test, promoted / RACES];
      }),
    );
    log(`level, run length ${runLength}: ${JSON.stringify(rates)}`);
    return { runLength, falsePromotionRate: rates };
  });
  const power = [
    [0.3, 0.25],
    [0.3, 0.2],
  ].map(([champion, challenger]) => {
    const rates = Object.fromEntries(
      TESTS.map((test) => {
        let promoted = 0;
        let pairs = 0;
        for (let seed = 1; seed <= RACES; seed++) {
          const rnd = lcg(seed * 7919 + 13);
          const race = new Race('classification', { ...RACE, test });
          for (let n = 0; ; n += RACE.minSamples) {
            const v = race.add(...block(rnd, n, champion as number, challenger as number, 300));
            if (v === 'continue') continue;
            if (v === 'promote') promoted++;
            pairs += race.comparison.total;
            break;
          }
        }
        return [test, { promoted: promoted / RACES, meanPairs: pairs / RACES }];
      }),
    );
    log(`power, champion ${champion} challenger ${challenger}: ${JSON.stringify(rates)}`);
    return { champion, challenger, warmUp: 300, rates };
  });
  return { level, power };
}

/**
 * Part 23: the rule before it (the per-sample check alone, `blockCheck: false`) and its candidate (and the window
 * before's blocks of 100, now the rule).
 */
export const RISE_BEFORE_RULES: { name: string; trend: ErrorTrendOptions }[] = [
  { name: 'per-sample variance (current)', trend: { blockCheck: false } },
  { name: 'and blocks of 100 before', trend: { blockCheck: true } },
];

export function riseSimulation(rules: typeof RISE_BEFORE_RULES) {
  const checks = 2000;
  const rate = (options: ErrorTrendOptions, errors: (rnd: () => number) => Float32Array, seedBase: number) => {
    let yes = 0;
    for (let seed = 1; seed <= checks; seed++) {
      const trend = new ErrorTrend(options);
      const e = errors(lcg(seed * 2654435761 + seedBase));
      trend.add(e, 0, e.length);
      if (trend.rose()) yes++;
    }
    return yes / checks;
  };
  const level = [1, 10, 50].map((runLength) => {
    const errors = (rnd: () => number) => {
      let high = rnd() < 0.5;
      return Float32Array.from({ length: 1200 }, () => {
        if (rnd() < 1 / runLength) high = rnd() < 0.5;
        return rnd() < (high ? 0.35 : 0.05) ? 1 : 0;
      });
    };
    const rates = Object.fromEntries(rules.map((r) => [r.name, rate(r.trend, errors, runLength)]));
    log(`rise level, run length ${runLength}: ${JSON.stringify(rates)}`);
    return { runLength, roseRate: rates };
  });
  const riseErrors = (rnd: () => number) => Float32Array.from({ length: 1200 }, (_, i) => (rnd() < (i < 1000 ? 0.2 : 0.3) ? 1 : 0));
  const power = Object.fromEntries(rules.map((r) => [r.name, rate(r.trend, riseErrors, 7)]));
  log(`rise power, 0.2 -> 0.3: ${JSON.stringify(power)}`);
  return { checks, level, power: { from: 0.2, to: 0.3, roseRate: power } };
}
