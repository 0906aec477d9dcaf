import type { PredictionEvent } from '../core/index.js';
import { teamDraft } from '../rollout/index.js';
import { predictWith, type Live } from './loaded-model.js';
import type { PredictionLog } from './prediction-log.js';
import { rankingScore, routedPredict } from './routed-predict.js';
import { predictedClassOf, type RankedServed, type Served, type ServeRequest } from './served.js';
import type { ServingLines } from './serving-lines.js';
import type { RequestCounters } from './subscriber-status.js';

/**
 * Answers requests: routes each one through the serving lines, predicts, counts, and queues the prediction
 * record (version, output, latency, fallback, shadows, interleaving) for the prediction log.
 */
export class RequestServer {
  private served = 0;
  private fallbacks = 0;
  private interleaved = 0;
  private readonly byVersion = new Map<string, number>();
  private readonly shadow = new Map<string, { predictions: number; disagreements: number; absDifference: number }>();

  constructor(
    private readonly model: string,
    private readonly log: PredictionLog | undefined,
    private readonly lines: () => ServingLines | undefined,
  ) {}

  /** An unkeyed model's request, routed by the rollout. */
  serve(input: Float32Array, request: ServeRequest): Served {
    const routing = this.lines()?.route(request.key ?? request.requestId);
    if (!routing) throw new TypeError(`no version of model ${this.model} is loaded yet`);
    checkWidth(this.model, routing.champion, input);
    const p = routedPredict(routing, input);
    if (p.fallbackFrom) this.fallbacks++;
    for (const s of p.shadow) this.countShadow(s.version, p.output, s.output, p.live.task === 'classification');
    return this.finish(p.live, input, request, p.output, {
      latencyUs: p.latencyUs,
      ...(p.fallbackFrom ? { fallbackFrom: p.fallbackFrom } : {}),
      ...(p.shadow.length > 0 ? { shadow: p.shadow } : {}),
    });
  }

  /** A keyed model's request: its key's model answers (no rollout for keyed models). */
  serveKeyed(live: Live, input: Float32Array, request: ServeRequest): Served {
    checkWidth(this.model, live, input);
    const t0 = performance.now();
    const output = predictWith(live, input, live.width);
    return this.finish(live, input, request, output, { latencyUs: Math.round((performance.now() - t0) * 1000) });
  }

  /** Ranks the items with the champion, or interleaves the champion's and the candidate's rankings (team draft). */
  serveRanking(items: readonly (Float32Array | readonly number[])[], request: ServeRequest): RankedServed {
    const routing = this.lines()?.route(request.key ?? request.requestId, true);
    if (!routing) throw new TypeError(`no version of model ${this.model} is loaded yet`);
    const champion = routing.champion;
    const rows = new Float32Array(items.length * champion.width);
    items.forEach((item, i) => {
      if (item.length !== champion.width) throw new TypeError(`model ${this.model} ${champion.version} takes ${champion.width} features, got ${item.length}`);
      rows.set(item, i * champion.width);
    });
    const t0 = performance.now();
    const championScores = scores(champion, rows, items.length);
    const latencyUs = Math.round((performance.now() - t0) * 1000);
    const championOrder = rankBy(championScores);
    let order = championOrder;
    let interleave: PredictionEvent['interleave'];
    const candidate = routing.interleave;
    if (candidate && items.length > 0) {
      const candidateScores = scores(candidate, rows, items.length);
      if (candidateScores.every(Number.isFinite)) {
        const drafted = teamDraft([championOrder, rankBy(candidateScores)], request.requestId);
        order = drafted.items;
        interleave = { versions: [champion.version, candidate.version], items: drafted.items, teams: drafted.teams };
        this.interleaved++;
      } else this.fallbacks++;
    }
    this.served++;
    this.byVersion.set(champion.version, (this.byVersion.get(champion.version) ?? 0) + 1);
    const logged =
      this.log?.add({
        requestId: request.requestId,
        ...(request.key !== undefined ? { key: request.key } : {}),
        model: this.model,
        version: champion.version,
        servedAt: Date.now(),
        output: Float32Array.from(championScores),
        latencyUs,
        ...(interleave ? { interleave } : {}),
      }) ?? false;
    return {
      items: order,
      model: this.model,
      version: champion.version,
      logged,
      ...(interleave ? { interleaved: { candidate: interleave.versions[1] as string, teams: interleave.teams } } : {}),
    };
  }

  counters(): RequestCounters {
    return {
      served: this.served,
      byVersion: Object.fromEntries(this.byVersion),
      fallbacks: this.fallbacks,
      shadow: Object.fromEntries(
        [...this.shadow].map(([v, s]) => [
          v,
          { predictions: s.predictions, disagreements: s.disagreements, meanAbsDifference: s.predictions ? s.absDifference / s.predictions : 0 },
        ]),
      ),
      interleaved: this.interleaved,
    };
  }

  private finish(live: Live, input: Float32Array, request: ServeRequest, output: Float32Array, extra: Partial<PredictionEvent>): Served {
    this.served++;
    this.byVersion.set(live.version, (this.byVersion.get(live.version) ?? 0) + 1);
    const predictedClass = live.task === 'classification' ? predictedClassOf(output) : undefined;
    const modelKey = live.key === '' ? undefined : live.key;
    const logged =
      this.log?.add({
        requestId: request.requestId,
        ...(request.key !== undefined ? { key: request.key } : {}),
        model: this.model,
        ...(modelKey !== undefined ? { modelKey } : {}),
        version: live.version,
        servedAt: Date.now(),
        output,
        ...(predictedClass !== undefined ? { predictedClass } : {}),
        features: input,
        ...extra,
      }) ?? false;
    return {
      output,
      model: this.model,
      version: live.version,
      logged,
      ...(predictedClass !== undefined ? { predictedClass } : {}),
      ...(modelKey !== undefined ? { modelKey } : {}),
    };
  }

  private countShadow(version: string, champion: Float32Array, shadow: Float32Array, classification: boolean): void {
    const s = this.shadow.get(version) ?? { predictions: 0, disagreements: 0, absDifference: 0 };
    s.predictions++;
    let diff = 0;
    for (let i = 0; i < champion.length; i++) diff += Math.abs((champion[i] as number) - (shadow[i] ?? Number.NaN));
    if (Number.isFinite(diff)) s.absDifference += diff / Math.max(1, champion.length);
    if (classification ? predictedClassOf(champion) !== predictedClassOf(shadow) : !Number.isFinite(diff)) s.disagreements++;
    this.shadow.set(version, s);
  }
}

function checkWidth(model: string, live: Live, input: Float32Array): void {
  if (input.length !== live.width) throw new TypeError(`model ${model} ${live.version} takes ${live.width} features, got ${input.length}`);
}

function scores(live: Live, rows: Float32Array, n: number): number[] {
  const out = predictWith(live, rows, live.width);
  const width = out.length / Math.max(1, n);
  return Array.from({ length: n }, (_, i) => rankingScore(out, i, width));
}

/** Item indices by score, highest first (ties: the earlier item first). */
function rankBy(s: readonly number[]): number[] {
  return s.map((_, i) => i).sort((a, b) => (s[b] as number) - (s[a] as number) || a - b);
}
