import type { ModelSnapshot } from '../core/index.js';

/**
 * Where the forgetting guard gets a past version's weights: a version name in, its snapshot (weights, optimizer
 * slots, learner state; never a record) out, or undefined when the source no longer has it (pruned, torn).
 * Two implementations: the checkpoint store (the service, `src/pipeline/guard-versions.ts`) and the snapshots
 * the process itself published (`PublishedSnapshots`: the default, and what the in-process benchmark runs with).
 */
export interface VersionSource {
  load(version: string): Promise<ModelSnapshot | undefined>;
  /** Told of each version as it is published, with the snapshot it was written from. */
  published?(version: string, snapshot: ModelSnapshot): void;
  /** The versions the guard may still ask for; a source that holds snapshots may forget the others. */
  retain?(versions: ReadonlySet<string>): void;
  close?(): Promise<void>;
}

/**
 * Snapshots of the versions this process published, kept in memory: the newest one (it may join the guard's
 * pool) and those the guard retains (at most its pool). What a runner without a checkpoint store uses.
 */
export class PublishedSnapshots implements VersionSource {
  private readonly snapshots = new Map<string, ModelSnapshot>();
  private newest?: string;
  private retained: ReadonlySet<string> = new Set();

  published(version: string, snapshot: ModelSnapshot): void {
    this.newest = version;
    this.snapshots.set(version, snapshot);
    this.prune();
  }

  retain(versions: ReadonlySet<string>): void {
    this.retained = new Set(versions);
    this.prune();
  }

  load(version: string): Promise<ModelSnapshot | undefined> {
    return Promise.resolve(this.snapshots.get(version));
  }

  /** Versions held in memory (the newest and the retained ones). */
  get size(): number {
    return this.snapshots.size;
  }

  private prune(): void {
    for (const v of [...this.snapshots.keys()]) if (v !== this.newest && !this.retained.has(v)) this.snapshots.delete(v);
  }
}
