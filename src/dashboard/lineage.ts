import type { Decision, Manifest } from '../core/index.js';
import { formatVersion } from '../core/index.js';
import { listVersions, readManifest, type ObjectStore } from '../checkpoints/index.js';

/** One version as the lineage graph draws it: a dot in the lane of its major, edges to its parents. */
export interface LineageVersion {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly parents: readonly string[];
  readonly createdAt: string;
  readonly trigger: string;
  readonly detail?: string;
  readonly samples: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Lineage {
  readonly model: string;
  /** Versions in the store (all of them: `versions.length` may be less when limited). */
  readonly total: number;
  /** The newest `limit` versions, oldest first. */
  readonly versions: readonly LineageVersion[];
  /** The newest `limit` rollout decisions (`<model>/decisions/*.json`), by seq; none when there are none. */
  readonly decisions: readonly Decision[];
  /** Versions or decisions that could not be read (torn, corrupt): left out, counted here. */
  readonly unreadable: number;
}

/** The manifest metrics a version's tooltip shows. */
const METRIC_NAMES = /^(accuracy|accuracy_window|mae|mae_window|served_accuracy|served_mae|logged_accuracy|logged_mae)$/;
const PARALLEL_READS = 8;

/**
 * Reads a model's lineage from its store: the manifests of the newest versions (parents, trigger, samples,
 * the headline metrics) and the rollout decisions. Manifests are never rewritten and decisions are created only
 * if absent, so each object is read once and cached; a later call reads only what is new.
 */
export class LineageReader {
  private readonly manifests = new Map<string, LineageVersion>();
  private readonly decisions = new Map<string, Decision>();

  constructor(
    private readonly store: ObjectStore,
    private readonly limit = 300,
  ) {}

  async read(model: string): Promise<Lineage> {
    const [versions, decisions] = await Promise.all([this.readVersions(model), this.readDecisions(model)]);
    return { model, total: versions.total, versions: versions.read, decisions: decisions.read, unreadable: versions.unreadable + decisions.unreadable };
  }

  private async readVersions(model: string): Promise<{ total: number; read: LineageVersion[]; unreadable: number }> {
    const all = await listVersions(this.store, model);
    const names = all.slice(-this.limit).map(formatVersion);
    let unreadable = 0;
    await eachLimited(
      names.filter((n) => !this.manifests.has(`${model}@${n}`)),
      async (name) => {
        try {
          this.manifests.set(`${model}@${name}`, summarize(await readManifest(this.store, model, name)));
        } catch {
          unreadable++;
        }
      },
    );
    const read = names.map((n) => this.manifests.get(`${model}@${n}`)).filter((v): v is LineageVersion => v !== undefined);
    return { total: all.length, read, unreadable };
  }

  private async readDecisions(model: string): Promise<{ read: Decision[]; unreadable: number }> {
    const prefix = `${model}/decisions/`;
    const keys = (await this.store.list(prefix)).filter((k) => k.endsWith('.json')).sort();
    let unreadable = 0;
    const wanted = keys.slice(-this.limit);
    await eachLimited(
      wanted.filter((k) => !this.decisions.has(k)),
      async (key) => {
        const bytes = await this.store.get(key);
        const d = bytes ? parseDecision(bytes) : undefined;
        if (d) this.decisions.set(key, d);
        else unreadable++;
      },
    );
    const read = wanted.map((k) => this.decisions.get(k)).filter((d): d is Decision => d !== undefined);
    return { read: read.sort((a, b) => a.seq - b.seq), unreadable };
  }
}

function summarize(m: Manifest): LineageVersion {
  const [major = 0, minor = 0] = m.version.split('.').map(Number);
  const metrics: Record<string, number> = {};
  for (const [name, v] of Object.entries(m.metrics ?? {})) if (METRIC_NAMES.test(name) && Number.isFinite(v)) metrics[name] = v;
  return {
    version: m.version,
    major,
    minor,
    parents: m.parents ?? [],
    createdAt: m.createdAt,
    trigger: m.trigger?.reason ?? 'unknown',
    ...(m.trigger?.detail ? { detail: m.trigger.detail } : {}),
    samples: m.samples?.total ?? 0,
    metrics,
  };
}

/** A decision object, or undefined when it is not JSON or lacks the fields the graph needs. */
export function parseDecision(bytes: Uint8Array): Decision | undefined {
  try {
    const d = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Decision>;
    if (typeof d.seq !== 'number' || typeof d.type !== 'string' || typeof d.at !== 'string') return undefined;
    return { ...d, arms: Array.isArray(d.arms) ? d.arms : [], stats: d.stats ?? {}, startOffsets: d.startOffsets ?? [] } as Decision;
  } catch {
    return undefined;
  }
}

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, worker));
}
