import type { ShadowPrediction } from '../core/index.js';
import { predictWith, type Live } from './loaded-model.js';
import { predictedClassOf } from './served.js';
import type { Routing } from './serving-lines.js';

/** One request's prediction under a routing: what answered, and what the shadows said. */
export interface RoutedPrediction {
  readonly live: Live;
  readonly output: Float32Array;
  readonly latencyUs: number;
  /** The candidate that was chosen but failed (threw, or a non-finite output); the champion answered. */
  readonly fallbackFrom?: string;
  readonly shadow: readonly ShadowPrediction[];
}

function finite(output: Float32Array): boolean {
  for (const v of output) if (!Number.isFinite(v)) return false;
  return output.length > 0;
}

/** Predicts one row with `live`, timing it; undefined when the model threw. */
function timed(live: Live, input: Float32Array): { output: Float32Array; latencyUs: number } | undefined {
  const t0 = performance.now();
  try {
    const output = predictWith(live, input, live.width);
    return { output, latencyUs: Math.round((performance.now() - t0) * 1000) };
  } catch {
    return undefined;
  }
}

/**
 * Predicts one request as routed: the candidate when the request falls in its share (falling back to the
 * champion, at once and for this request, when the candidate throws or answers a non-finite value), else the
 * champion; each shadow predicts too (a failed shadow is logged as a NaN output, so the decider counts it).
 * @throws whatever the champion's own prediction throws (a wrong input width, for one).
 */
export function routedPredict(routing: Routing, input: Float32Array): RoutedPrediction {
  let fallbackFrom: string | undefined;
  if (routing.candidate) {
    const tried = timed(routing.candidate, input);
    if (tried && finite(tried.output)) return { live: routing.candidate, ...tried, shadow: shadowsOf(routing, input) };
    fallbackFrom = routing.candidate.version;
  }
  const t0 = performance.now();
  const output = predictWith(routing.champion, input, routing.champion.width);
  const latencyUs = Math.round((performance.now() - t0) * 1000);
  return { live: routing.champion, output, latencyUs, ...(fallbackFrom ? { fallbackFrom } : {}), shadow: shadowsOf(routing, input) };
}

function shadowsOf(routing: Routing, input: Float32Array): ShadowPrediction[] {
  return routing.shadows.map((s) => {
    const tried = timed(s, input);
    const output = tried?.output ?? Float32Array.of(Number.NaN);
    const predictedClass = s.task === 'classification' && tried ? predictedClassOf(output) : undefined;
    return {
      version: s.version,
      output,
      ...(predictedClass !== undefined ? { predictedClass } : {}),
      ...(tried ? { latencyUs: tried.latencyUs } : {}),
    };
  });
}

/** A ranking score from an output row: the value itself for one output, else the last class's probability. */
export function rankingScore(output: Float32Array, row: number, width: number): number {
  return output[row * width + width - 1] as number;
}
