/**
 * One simulated rollout with known truth: requests with random keys, split by the real `bucketOf` / `armFor`
 * over the machine's current arms, outcomes (1 correct, 0 wrong) whose labels arrive after an exponential delay,
 * fed to the real `RolloutMachine` in arrival order, one at a time. A naive monitor reads the same outcomes: a
 * two-proportion z-test at 0.05 (two-sided), re-run after every 100 outcomes once both arms have `minSamples`,
 * promoting at the first look where the candidate is significantly ahead.
 */
import { createRng, type Rng } from '../../src/datasets/rng.js';
import { armFor, bucketOf, RolloutMachine, type RolloutPlan, type Verdict } from '../../src/rollout/index.js';

export const CHAMPION = 1;
export const CANDIDATE = 2;

export interface RolloutRun {
  /** promote, reject (the test or a guardrail), or inconclusive (maxSamples). */
  readonly outcome: 'promote' | 'reject' | 'inconclusive';
  readonly reason: string;
  /** The candidate's labelled outcomes when decided. */
  readonly candidateSamples: number;
  readonly requests: number;
  /** Whether the naive repeated z-test promoted on the same outcomes (before the stream ended). */
  readonly naivePromoted: boolean;
}

export interface StreamSettings {
  readonly plan: RolloutPlan;
  readonly championAccuracy: number;
  /** Candidate accuracy minus the champion's. */
  readonly difference: number;
  /** Mean label delay, in requests. */
  readonly meanDelay: number;
  readonly tau?: number;
}

/** Pending labels ordered by arrival time (a binary min-heap over parallel arrays). */
class DelayQueue {
  private time = new Float64Array(256);
  private a = new Float64Array(256);
  private b = new Float64Array(256);
  size = 0;

  push(t: number, a: number, b: number): void {
    if (this.size === this.time.length) {
      const grow = (x: Float64Array) => {
        const y = new Float64Array(x.length * 2);
        y.set(x);
        return y;
      };
      this.time = grow(this.time);
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.time[p]! <= t) break;
      this.move(p, i);
      i = p;
    }
    this.time[i] = t;
    this.a[i] = a;
    this.b[i] = b;
  }

  get headTime(): number {
    return this.size > 0 ? this.time[0]! : Infinity;
  }

  /** Removes the earliest entry; returns its two values through `out`. */
  pop(out: [number, number]): void {
    out[0] = this.a[0]!;
    out[1] = this.b[0]!;
    const last = --this.size;
    const t = this.time[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.time[c + 1]! < this.time[c]!) c++;
      if (this.time[c]! >= t) break;
      this.move(c, i);
      i = c;
    }
    this.time[i] = t;
    this.a[i] = this.a[last]!;
    this.b[i] = this.b[last]!;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!;
    this.a[to] = this.a[from]!;
    this.b[to] = this.b[from]!;
  }
}

/** The naive monitor: repeated two-proportion z-tests at 0.05. */
class NaiveMonitor {
  private n = [0, 0];
  private s = [0, 0];
  promoted = false;

  constructor(private readonly minSamples: number) {}

  add(arm: 0 | 1, reward: number): void {
    this.n[arm]!++;
    this.s[arm]! += reward;
    const [n0, n1] = this.n as [number, number];
    if (this.promoted || (n0 + n1) % 100 !== 0 || n0 < this.minSamples || n1 < this.minSamples) return;
    const p0 = this.s[0]! / n0;
    const p1 = this.s[1]! / n1;
    const p = (this.s[0]! + this.s[1]!) / (n0 + n1);
    const se = Math.sqrt(p * (1 - p) * (1 / n0 + 1 / n1));
    if (se > 0 && (p1 - p0) / se >= 1.959964) this.promoted = true;
  }
}

const exp = (rng: Rng, mean: number): number => -mean * Math.log(1 - rng.next());

function finish(v: Verdict, requests: number, naive: NaiveMonitor): RolloutRun {
  const outcome = v.type === 'promote' ? 'promote' : v.reason === 'inconclusive' ? 'inconclusive' : 'reject';
  return { outcome, reason: v.reason, candidateSamples: v.stats.n_candidate ?? Number.NaN, requests, naivePromoted: naive.promoted };
}

/** A canary or A/B rollout: the candidate serves the requests whose key falls in its share. */
export function simulateSplit(s: StreamSettings, seed: number): RolloutRun {
  const rng = createRng(seed);
  const machine = new RolloutMachine(s.plan, CHAMPION, [CANDIDATE], s.tau === undefined ? {} : { tau: s.tau });
  const naive = new NaiveMonitor(s.plan.minSamples);
  const queue = new DelayQueue();
  const salt = `rollout-${seed}`;
  const accuracy = [s.championAccuracy, s.championAccuracy + s.difference];
  const popped: [number, number] = [0, 0];
  let arms = machine.arms;
  for (let t = 1; ; t++) {
    const candidate = armFor(bucketOf(`user-${rng.uint32()}`, salt), arms) === CANDIDATE ? 1 : 0;
    let v: Verdict | undefined;
    if (candidate) v = machine.observeRequest(CANDIDATE, { failed: false, latencyMs: 2 + 3 * rng.next() });
    queue.push(t + exp(rng, s.meanDelay), candidate, rng.next() < accuracy[candidate]! ? 1 : 0);
    while (v === undefined && queue.headTime <= t) {
      queue.pop(popped);
      const [arm, reward] = popped as [0 | 1, number];
      naive.add(arm, reward);
      v = machine.observeOutcome(arm ? CANDIDATE : CHAMPION, reward);
    }
    if (v?.type === 'step') arms = v.arms;
    else if (v) return finish(v, t, naive);
  }
}

/**
 * A shadow rollout: both models answer every request. The candidate's correctness reuses the champion's uniform
 * draw on half the requests (the models often agree) and draws afresh on the other half; its accuracy is exact.
 */
export function simulateShadow(s: StreamSettings, seed: number): RolloutRun {
  const rng = createRng(seed);
  const machine = new RolloutMachine(s.plan, CHAMPION, [CANDIDATE], s.tau === undefined ? {} : { tau: s.tau });
  const naive = new NaiveMonitor(s.plan.minSamples);
  const queue = new DelayQueue();
  const rewards = new Map<number, number>();
  const popped: [number, number] = [0, 0];
  for (let t = 1; ; t++) {
    let v = machine.observeRequest(CANDIDATE, { failed: false, latencyMs: 2 + 3 * rng.next() });
    const u = rng.next();
    const u2 = rng.next() < 0.5 ? u : rng.next();
    queue.push(t + exp(rng, s.meanDelay), u < s.championAccuracy ? 1 : 0, u2 < s.championAccuracy + s.difference ? 1 : 0);
    while (v === undefined && queue.headTime <= t) {
      queue.pop(popped);
      naive.add(0, popped[0]);
      naive.add(1, popped[1]);
      rewards.set(CANDIDATE, popped[1]);
      v = machine.observePaired(popped[0], rewards);
    }
    if (v && v.type !== 'step') return finish(v, t, naive);
  }
}
