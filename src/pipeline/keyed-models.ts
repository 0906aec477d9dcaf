import type { Logger, PartitionKey } from '../core/index.js';
import type { LearnerCapture, LocalLearnerHost } from './learner-host.js';

/** One keyed model in memory. */
export interface LiveModel {
  readonly key: string;
  readonly partition: PartitionKey;
  readonly host: LocalLearnerHost;
  /** Samples of this key learned in all, restored ones included. */
  samples: number;
  /** Samples learned since the key's last version was cut: the model is dirty while this is above 0. */
  sinceVersion: number;
  /** A promoted challenger: the key's next version starts a new major. */
  newMajor: boolean;
}

/** A model evicted while dirty: its capture waits in memory until its partition's next checkpoint writes it. */
export interface ParkedModel {
  readonly capture: LearnerCapture;
  readonly samples: number;
  readonly sinceVersion: number;
  readonly newMajor: boolean;
}

/**
 * The keyed models live on this instance, least recently used first, at most `cap` of them. Making room evicts
 * the least recently used: a clean model is disposed, a dirty one is captured first and handed to `park`, so
 * nothing it learned is lost before its partition's next checkpoint.
 */
export class LiveModels {
  private readonly models = new Map<string, LiveModel>();
  evictions = 0;

  constructor(
    private readonly cap: number,
    private readonly park: (m: LiveModel, parked: ParkedModel) => void,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.models.size;
  }

  /** The model of `key`, marked most recently used. */
  get(key: string): LiveModel | undefined {
    const m = this.models.get(key);
    if (m) {
      this.models.delete(key);
      this.models.set(key, m);
    }
    return m;
  }

  /** The model of `key`, without marking it used. */
  peek(key: string): LiveModel | undefined {
    return this.models.get(key);
  }

  /** Adds a model, most recently used. The caller made room first (`makeRoom`). */
  add(m: LiveModel): void {
    this.models.set(m.key, m);
  }

  /** Evicts least recently used models until one more fits. */
  async makeRoom(): Promise<void> {
    while (this.models.size >= this.cap) {
      const [key, m] = this.models.entries().next().value as [string, LiveModel];
      this.models.delete(key);
      this.evictions += 1;
      if (m.sinceVersion > 0) this.park(m, { capture: await m.host.capture(), samples: m.samples, sinceVersion: m.sinceVersion, newMajor: m.newMajor });
      this.log.debug({ key, partition: m.partition, dirty: m.sinceVersion > 0 }, 'keyed model evicted');
      await m.host.dispose();
    }
  }

  /** The live models of one partition. */
  of(partition: PartitionKey): LiveModel[] {
    return [...this.models.values()].filter((m) => m.partition === partition);
  }

  /** Drops a partition's models without a checkpoint (the partition moved to another instance). */
  async drop(partition: PartitionKey): Promise<number> {
    const gone = this.of(partition);
    for (const m of gone) this.models.delete(m.key);
    await Promise.all(gone.map((m) => m.host.dispose().catch(() => undefined)));
    return gone.length;
  }

  async disposeAll(): Promise<void> {
    const all = [...this.models.values()];
    this.models.clear();
    await Promise.all(all.map((m) => m.host.dispose().catch(() => undefined)));
  }
}
