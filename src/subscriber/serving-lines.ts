import type { Decision, RolloutPolicy } from '../core/index.js';
import { applyDecision, armFor, bucketOf, initialServingState, type ServingState } from '../rollout/index.js';
import type { Live } from './loaded-model.js';

/** Which loaded versions a request meets: the one that answers, and the ones tried next to it. */
export interface Routing {
  /** The champion (or the pinned version): it answers, or backs up a candidate that fails. */
  readonly champion: Live;
  /** canary / ab: the candidate line this request's key falls in. */
  readonly candidate?: Live;
  /** shadow: candidates that predict next to the champion without answering. */
  readonly shadows: readonly Live[];
  /** interleave: the candidate whose ranking is interleaved with the champion's (serveRanking only). */
  readonly interleave?: Live;
}

/** What to load: the newest version of a major line, or one exact version (a pin). */
export type Want = { readonly major: number } | { readonly version: string };

/**
 * The lines of an unkeyed model a subscriber serves under a rollout policy: the decisions (applied in seq order,
 * the same on every replica) say which major line is the champion, which candidate lines get which share, and
 * which version is pinned; this class holds the loaded head of each of those lines and routes a request. Under
 * `immediate` (or before any decision) the newest line is the champion. Minors of a line being served replace
 * its head at once; a new major waits for a decision unless the policy is `immediate`.
 */
export class ServingLines {
  private state: ServingState = initialServingState;
  private readonly heads = new Map<number, Live>();
  private pinned?: Live;
  /** The champion last routed to: it answers while a newly decided champion is still loading. */
  private lastChampion?: Live;

  constructor(private readonly policy: RolloutPolicy) {}

  get serving(): ServingState {
    return this.state;
  }

  /** Applies a decision; returns what must now be loaded (nothing loaded is dropped until `retire`). */
  apply(d: Decision): Want[] {
    this.state = applyDecision(this.state, d);
    return this.wants();
  }

  /** Whether an announced version should be loaded now (it heads a line that serves, or starts the newest line). */
  accepts(version: string, major: number): boolean {
    if (this.state.rejected.includes(major)) return false;
    const head = this.heads.get(major);
    if (head) return head.version !== version;
    const champion = this.championMajor();
    if (champion === undefined || this.followsNewest()) return major > (champion ?? -1);
    return this.state.rollout?.arms.some((a) => a.major === major) ?? false;
  }

  /** Takes a loaded version in (a line's new head, or the pinned version); returns the versions it replaces. */
  admit(live: Live, pinned: boolean): Live[] {
    if (pinned) {
      const old = this.pinned;
      this.pinned = live;
      return old && old !== live ? [old] : [];
    }
    const old = this.heads.get(live.major);
    this.heads.set(live.major, live);
    return old && old !== live ? [old, ...this.retire()] : this.retire();
  }

  /** Drops the lines no longer needed (an old champion after a newer one is loaded, rejected candidates). */
  retire(): Live[] {
    if (!this.championHead()) return [];
    const keep = new Set(this.neededMajors());
    const out: Live[] = [];
    for (const [major, live] of this.heads) {
      if (!keep.has(major)) {
        this.heads.delete(major);
        if (this.lastChampion === live) this.lastChampion = undefined;
        out.push(live);
      }
    }
    if (!this.state.pin && this.pinned) {
      out.push(this.pinned);
      this.pinned = undefined;
    }
    return out;
  }

  /** Empties the lines (on stop): returns every loaded version, for disposal. */
  clear(): Live[] {
    const all = this.loaded();
    this.heads.clear();
    this.pinned = undefined;
    this.lastChampion = undefined;
    return all;
  }

  /** The loaded lines and pin, for status. */
  loaded(): Live[] {
    return [...this.heads.values(), ...(this.pinned ? [this.pinned] : [])];
  }

  /** The version that answers a request without a candidate (pinned, else the champion's head). */
  championLive(): Live | undefined {
    if (this.state.pin && this.pinned?.version === this.state.pin.version) return this.pinned;
    const head = this.championHead();
    if (head) this.lastChampion = head;
    return head ?? this.lastChampion;
  }

  /** Routes one request: `stickyKey` (the entity key, else the request id) picks the canary / ab arm. */
  route(stickyKey: string, ranking = false): Routing | undefined {
    const champion = this.championLive();
    if (!champion) return undefined;
    const rollout = this.state.rollout;
    if (this.state.pin || !rollout) return { champion, shadows: [] };
    const heads = rollout.arms.map((a) => this.heads.get(a.major)).filter((l): l is Live => l !== undefined);
    switch (rollout.policy) {
      case 'shadow':
        return { champion, shadows: heads };
      case 'canary':
      case 'ab': {
        const major = armFor(bucketOf(stickyKey, String(rollout.id)), rollout.arms);
        const candidate = major === undefined ? undefined : this.heads.get(major);
        return { champion, shadows: [], ...(candidate ? { candidate } : {}) };
      }
      case 'interleave': {
        if (!ranking) return { champion, shadows: [] };
        const share = rollout.arms.reduce((s, a) => s + a.share, 0);
        const first = heads[0];
        return { champion, shadows: [], ...(first && bucketOf(stickyKey, String(rollout.id)) < share ? { interleave: first } : {}) };
      }
    }
  }

  private followsNewest(): boolean {
    return this.policy === 'immediate' || this.state.champion === undefined;
  }

  private championMajor(): number | undefined {
    if (!this.followsNewest()) return this.state.champion;
    let best: number | undefined;
    for (const major of this.heads.keys()) if (!this.state.rejected.includes(major) && (best === undefined || major > best)) best = major;
    return best;
  }

  private championHead(): Live | undefined {
    const major = this.championMajor();
    return major === undefined ? undefined : this.heads.get(major);
  }

  private neededMajors(): number[] {
    const champion = this.championMajor();
    const arms = this.state.pin ? [] : (this.state.rollout?.arms.map((a) => a.major) ?? []);
    return [...(champion !== undefined ? [champion] : []), ...arms];
  }

  /** What must be loaded for the decisions applied so far. */
  wants(): Want[] {
    const out: Want[] = [];
    if (this.state.pin && this.pinned?.version !== this.state.pin.version) out.push({ version: this.state.pin.version });
    for (const major of this.neededMajors()) if (!this.heads.has(major)) out.push({ major });
    return out;
  }
}
