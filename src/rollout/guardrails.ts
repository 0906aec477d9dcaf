import type { RolloutConfig } from '../core/config/schema.js';

export type GuardrailLimits = RolloutConfig['guardrails'];

/** Log-spaced latency buckets: 8 per doubling (each ~9% wide) from 1 µs; the last bucket takes everything above. */
const BUCKETS_PER_DOUBLING = 8;
const FIRST_MS = 0.001;
const BUCKETS = 8 * 40;

/**
 * The guardrails of one candidate line: requests, failures (threw or non-finite output) and predict latencies,
 * in O(1) per request and fixed memory. The latency check is exact — the nearest-rank p99 exceeds the limit exactly
 * when more than `n − ⌈0.99 n⌉` requests took longer — and the p99 figure it reports comes from the buckets (an
 * upper bucket edge, within 9% above the true value).
 */
export class Guardrails {
  requests = 0;
  failures = 0;
  private timed = 0;
  private slow = 0;
  private readonly buckets = new Uint32Array(BUCKETS);

  constructor(private readonly limits: GuardrailLimits) {}

  /** Counts one request; returns the reason of a tripped guardrail, if one trips now. */
  observe(failed: boolean, latencyMs?: number): string | undefined {
    this.requests++;
    if (failed) this.failures++;
    if (latencyMs !== undefined && Number.isFinite(latencyMs) && latencyMs >= 0) {
      this.timed++;
      if (latencyMs > this.limits.maxLatencyP99Ms) this.slow++;
      this.buckets[bucketIndex(latencyMs)]! += 1;
    }
    return this.tripped();
  }

  /** The reason a guardrail is tripped, or undefined; nothing is read before `minRequests`. */
  tripped(): string | undefined {
    const { minRequests, maxErrorRate, maxLatencyP99Ms } = this.limits;
    if (this.requests < minRequests) return undefined;
    const rate = this.failures / this.requests;
    if (rate > maxErrorRate)
      return `guardrail maxErrorRate: ${this.failures} of ${this.requests} requests failed or gave non-finite output (${fmt(rate)} > ${maxErrorRate})`;
    if (this.timed >= minRequests && this.slow > this.timed - Math.ceil(0.99 * this.timed))
      return `guardrail maxLatencyP99Ms: predict latency p99 ~${fmt(this.p99Ms())} ms > ${maxLatencyP99Ms} ms over ${this.timed} requests`;
    return undefined;
  }

  /** The p99 predict latency (ms) from the buckets, the upper edge of the bucket holding it; 0 before any timing. */
  p99Ms(): number {
    if (this.timed === 0) return 0;
    const rank = Math.ceil(0.99 * this.timed);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return FIRST_MS * 2 ** ((i + 1) / BUCKETS_PER_DOUBLING);
    }
    return Infinity;
  }

  stats(): Record<string, number> {
    return {
      requests: this.requests,
      failures: this.failures,
      error_rate: this.requests > 0 ? this.failures / this.requests : 0,
      latency_p99_ms: this.p99Ms(),
    };
  }
}

function bucketIndex(ms: number): number {
  if (ms <= FIRST_MS) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(ms / FIRST_MS) * BUCKETS_PER_DOUBLING));
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
