import type { Logger, ModelSnapshot, StoreConfig, StreamtrainConfig } from '../core/index.js';
import { openStore, readCheckpoint, type ObjectStore } from '../checkpoints/index.js';
import { PublishedSnapshots, type ManagerEvent, type VersionSource } from '../adaptation/index.js';

/**
 * The forgetting guard's version source in the service: the snapshots this process published while they may
 * still be needed (the newest and the pool's; the learner runs ahead of the checkpoint writes, so a version can
 * join the pool before it is durable), else past versions read from the checkpoint store (after a restart),
 * verified against their manifests' hashes, when a window starts (lazily), and cached while they are in the
 * guard's pool (`retain`). A version this process does not hold and the store pruned meanwhile (`checkpoints.keep`)
 * reads as absent and leaves the pool.
 */
export class StoreVersions implements VersionSource {
  private readonly cache = new Map<string, ModelSnapshot>();
  private readonly recent = new PublishedSnapshots();
  private retained: ReadonlySet<string> = new Set();

  constructor(
    private readonly store: ObjectStore,
    private readonly model: string,
    private readonly log: Logger,
    private readonly owned = false,
  ) {}

  /** A source on its own connection to the store a config names (the learner may run on another thread). */
  static open(config: StoreConfig, model: string, log: Logger): StoreVersions {
    return new StoreVersions(openStore(config), model, log, true);
  }

  published(version: string, snapshot: ModelSnapshot): void {
    this.recent.published(version, snapshot);
  }

  async load(version: string): Promise<ModelSnapshot | undefined> {
    const hit = this.cache.get(version) ?? (await this.recent.load(version));
    if (hit) return hit;
    try {
      // The snapshot only: the manager state of that version (its detectors, a race) is not the guard's.
      const { snapshot } = await readCheckpoint(this.store, this.model, version);
      if (this.retained.has(version)) this.cache.set(version, snapshot);
      return snapshot;
    } catch (err) {
      this.log.warn({ version, err: (err as Error).message }, 'forgetting guard: version not readable from the store');
      return undefined;
    }
  }

  retain(versions: ReadonlySet<string>): void {
    this.retained = new Set(versions);
    this.recent.retain(versions);
    for (const v of [...this.cache.keys()]) if (!this.retained.has(v)) this.cache.delete(v);
  }

  async close(): Promise<void> {
    this.cache.clear();
    if (this.owned) await this.store.close?.();
  }
}

/** A re-activation in the decisions log: the version and the test that chose it. */
export function guardDetail(e: Extract<ManagerEvent, { kind: 'guard-reactivated' }>): string {
  const c = e.comparison;
  return `re-activated ${e.version}, lead ${c.lead.toFixed(4)} p ${c.pValue.toExponential(2)} over ${c.n}`;
}

/** The learner options of a service, with the checkpoint store as the guard's version source when the guard is on. */
export function withGuardStore<T extends object>(options: T, config: StreamtrainConfig): T & { guardStore?: { store: StoreConfig; model: string } } {
  return config.drift.guard.enabled ? { ...options, guardStore: { store: config.checkpoints.store, model: config.model.name } } : options;
}
