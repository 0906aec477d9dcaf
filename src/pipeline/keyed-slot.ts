import type { Logger, ModelVersion, OffsetRange, Trigger, VersionEvent } from '../core/index.js';
import { formatVersion, parseVersion } from '../core/index.js';
import {
  keyModelName,
  listVersions,
  manifestKey,
  partitionName,
  pruneVersions,
  readPartitionHead,
  usedVersions,
  VersionTakenError,
  writeCheckpoint,
  writePartitionCheckpoint,
  WriterFence,
  type KeyHead,
  type ObjectStore,
  type PartitionManifest,
} from '../checkpoints/index.js';
import { retry } from './checkpointer.js';
import type { LearnerCapture } from './learner-host.js';
import type { PipelineObserver } from './observer.js';

export interface SlotDeps {
  readonly store: ObjectStore;
  readonly model: string;
  readonly keep: number;
  readonly backend: string;
  readonly modelSpec: unknown;
  readonly streamtrainVersion: string;
  readonly logger: Logger;
  /** Dead-letter entries must be durable before the offsets that skip their records are. */
  readonly beforeWrite: () => Promise<void>;
  /** Commits the partition's next offset to Kafka; runs only after the checkpoint is durable. */
  readonly commit: (topic: string, partition: number, next: bigint) => Promise<void>;
  readonly announce: (event: VersionEvent) => Promise<void>;
  readonly observer?: PipelineObserver;
}

/** A key's model as a checkpoint takes it: its capture and its counters. */
export interface KeyCut {
  readonly key: string;
  readonly capture: LearnerCapture;
  readonly samples: number;
  readonly sinceVersion: number;
  readonly newMajor: boolean;
}

/** Keys between a cut and the durable write of their versions: a model evicted meanwhile is restored from here. */
type InFlight = Map<string, KeyCut>;

/** Retries of a store write while the store is down (delays double up to 10 s: about two minutes). */
const STORE_RETRIES = 16;

/**
 * One Kafka partition of a keyed model, owned by this instance: its fence, its position and its keys' heads.
 * A checkpoint (`cut`) takes every dirty model of the partition at one offset; the write then runs in the
 * background, in order: each key's version (created only if absent), then the partition's manifest and its
 * LATEST by compare-and-swap under the partition's fence, then the offset commit, then the version events.
 */
export class PartitionSlot {
  /** Next offset to read: every record before it is in the partition's models (or dead-lettered). */
  next?: bigint;
  /** Where the next checkpoint's range starts. */
  private from?: bigint;
  /** Records (examples and rejected) since the last cut. */
  records = 0;
  samplesSince = 0;
  samplesTotal = 0;
  lastCutAt = performance.now();
  /** Set when another instance claimed the partition: nothing more is learned, written or committed. */
  lost = false;
  /** Set after the first fetch was checked against the checkpoint's offset (and the consumer moved there if needed). */
  positioned = false;
  /** A drift detector of one of the partition's models fired since the last cut. */
  driftSignal?: string;
  /** Dirty models evicted since the last cut. */
  readonly parked = new Map<string, KeyCut>();
  private readonly inflight: InFlight = new Map();
  /** The newest durable checkpoint's heads, and the next version to try per key in this epoch. */
  private heads: Map<string, KeyHead>;
  private readonly nextVersion = new Map<string, ModelVersion>();
  private readonly known: Set<string>;
  private written?: PartitionManifest;
  private chain: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private readonly log: Logger;

  private constructor(
    private readonly deps: SlotDeps,
    readonly topic: string,
    readonly partition: number,
    readonly fence: WriterFence,
    head: PartitionManifest | undefined,
  ) {
    this.log = deps.logger.child({ partition: `${topic}-${partition}` });
    this.written = head;
    this.heads = new Map(Object.entries(head?.keys ?? {}));
    this.known = new Set(this.heads.keys());
    this.next = head ? BigInt(head.offsets.to) : undefined;
    this.from = this.next;
    for (const h of this.heads.values()) this.samplesTotal += h.samples;
  }

  /** Claims the partition (raising its epoch fences the previous owner), then reads its newest checkpoint. */
  static async adopt(deps: SlotDeps, topic: string, partition: number, writer: string): Promise<PartitionSlot> {
    const fence = await retry(
      () => WriterFence.claim(deps.store, partitionName(deps.model, topic, partition), writer),
      'claim partition',
      deps.logger,
      STORE_RETRIES,
    );
    const head = await retry(() => readPartitionHead(deps.store, deps.model, topic, partition, fence.latest), 'read partition', deps.logger, STORE_RETRIES);
    return new PartitionSlot(deps, topic, partition, fence, head);
  }

  get version(): string | undefined {
    return this.written?.version;
  }

  /** Keys this partition holds models of (written or not yet). */
  get keys(): number {
    return this.known.size;
  }

  /** Whether the partition has (or had, before its last cut) a model for `key`. */
  knows(key: string): boolean {
    return this.known.has(key);
  }

  /** A key this partition now holds a model of. */
  remember(key: string): void {
    this.known.add(key);
  }

  /** Where a model of `key` comes back from: a capture not yet written, else its durable head, else nothing. */
  source(key: string): { cut?: KeyCut; dirty?: boolean; head?: KeyHead } {
    const parked = this.parked.get(key);
    if (parked) {
      this.parked.delete(key);
      return { cut: parked, dirty: true };
    }
    const cut = this.inflight.get(key);
    if (cut) return { cut, dirty: false };
    const head = this.heads.get(key);
    return head ? { head } : {};
  }

  /** The newest written version of `key`, when no capture of it waits in memory. */
  durableHead(key: string): KeyHead | undefined {
    return this.parked.has(key) || this.inflight.has(key) ? undefined : this.heads.get(key);
  }

  /** Records `count` records up to (and excluding) `next` as absorbed, `samples` of them learned. */
  absorbed(first: bigint, next: bigint, count: number, samples: number): void {
    this.from ??= first;
    this.next = next;
    this.records += count;
    this.samplesSince += samples;
    this.samplesTotal += samples;
  }

  /** Throws the background failure of a write that gave up (not a fencing: that only marks the slot lost). */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Queues a checkpoint of the partition as of now: `cuts` are its live dirty models' captures, the parked ones
   * are added. The caller makes sure no record of the partition is being learned meanwhile. Returns false when there is nothing new to checkpoint.
   */
  cut(trigger: Trigger, cuts: readonly KeyCut[]): boolean {
    if (this.lost || this.next === undefined || this.from === undefined) return false;
    const all = [...this.parked.values(), ...cuts];
    if (this.records === 0 && all.length === 0) return false;
    this.parked.clear();
    for (const c of all) this.inflight.set(c.key, c);
    const range: OffsetRange = { topic: this.topic, partition: this.partition, from: this.from.toString(), to: this.next.toString() };
    const records = this.records;
    this.from = this.next;
    this.records = 0;
    this.samplesSince = 0;
    this.lastCutAt = performance.now();
    this.chain = this.chain.then(() => this.write(trigger, range, records, all)).catch((err: unknown) => this.onWriteFailed(err));
    return true;
  }

  /** Resolves when every queued checkpoint is durable, committed and announced (or refused). */
  async drain(): Promise<void> {
    await this.chain;
    this.throwIfFailed();
  }

  private onWriteFailed(err: unknown): void {
    if ((err as Error).name === 'FencedError') {
      this.lost = true;
      this.log.warn({ err: (err as Error).message }, 'partition claimed by another instance: its models move there');
    } else {
      this.failure ??= err;
      this.log.fatal({ err: (err as Error).message }, 'partition checkpoint could not be written; stopping');
    }
  }

  private async write(trigger: Trigger, range: OffsetRange, records: number, cuts: readonly KeyCut[]): Promise<void> {
    const started = performance.now();
    const createdAt = new Date().toISOString();
    await retry(this.deps.beforeWrite, 'flush dead-letter entries', this.log, STORE_RETRIES);
    const written: { key: string; version: string; parents: string[]; uri: string; cut: KeyCut }[] = [];
    for (let i = 0; i < cuts.length; i += 16) {
      const group = cuts.slice(i, i + 16);
      written.push(...(await Promise.all(group.map((c) => this.writeKey(c, trigger, range, createdAt)))));
    }
    const heads = new Map(this.heads);
    for (const w of written) heads.set(w.key, { version: w.version, samples: w.cut.samples });
    const n = this.written ? (parseVersion(this.written.version)?.minor ?? 0) + 1 : 0;
    let manifest: PartitionManifest | undefined;
    for (let minor = n; !manifest; minor++) {
      const m: PartitionManifest = {
        formatVersion: 1,
        model: this.deps.model,
        topic: this.topic,
        partition: this.partition,
        version: `1.${minor}`,
        parent: this.written?.version ?? null,
        createdAt,
        trigger: trigger.reason,
        offsets: range,
        records,
        keys: Object.fromEntries(heads),
        epoch: this.fence.epoch,
        writer: this.fence.writer,
      };
      try {
        await retry(() => writePartitionCheckpoint(this.deps.store, m, this.fence), 'write partition checkpoint', this.log, STORE_RETRIES);
        manifest = m;
      } catch (err) {
        // A number a fenced writer or a crash left behind: take the next one.
        if (!(err instanceof VersionTakenError) || minor > n + 64) throw err;
      }
    }
    this.written = manifest;
    this.heads = heads;
    for (const w of written) if (this.inflight.get(w.key) === w.cut) this.inflight.delete(w.key);
    this.deps.observer?.checkpointWritten?.((performance.now() - started) / 1000);
    await this.deps.commit(this.topic, this.partition, BigInt(range.to)).catch((err: Error) => this.log.warn({ err: err.message }, 'offset commit failed'));
    for (const w of written) {
      const event: VersionEvent = {
        model: this.deps.model,
        key: w.key,
        version: w.version,
        parents: w.parents,
        uri: w.uri,
        createdAt,
        samplesTotal: w.cut.samples,
        samplesSinceParent: w.cut.sinceVersion,
        metrics: w.cut.capture.metrics,
        offsets: [range],
        trigger: trigger.reason,
        triggerDetail: trigger.detail ?? null,
      };
      await this.deps.announce(event).catch((err: Error) => this.log.error({ err: err.message, key: w.key }, 'version event not published'));
    }
    this.log.info(
      { version: manifest.version, keys: written.length, records, to: range.to, ms: Math.round(performance.now() - started) },
      'partition checkpoint durable',
    );
    if (this.deps.keep > 0) {
      await prunePartition(this.deps.store, partitionName(this.deps.model, this.topic, this.partition), manifest.version, this.deps.keep).catch((err: Error) =>
        this.log.warn({ err: err.message }, 'pruning old partition checkpoints failed'),
      );
      for (const w of written)
        await pruneVersions(this.deps.store, keyModelName(this.deps.model, w.key), this.deps.keep).catch((err: Error) =>
          this.log.warn({ err: err.message }, 'pruning old versions failed'),
        );
    }
  }

  /** Writes one key's version (not yet published: the partition's LATEST publishes it), skipping taken numbers. */
  private async writeKey(c: KeyCut, trigger: Trigger, range: OffsetRange, createdAt: string) {
    const name = keyModelName(this.deps.model, c.key);
    const head = this.heads.get(c.key)?.version;
    let v = this.nextVersion.get(c.key) ?? (await this.firstVersion(name, head));
    if (c.newMajor) v = { major: v.major + (v.minor === 0 && !head ? 0 : 1), minor: 0 };
    for (let attempt = 0; ; attempt++) {
      const version = formatVersion(v);
      const parents = head ? [head] : [];
      try {
        const { uri } = await retry(
          () =>
            writeCheckpoint(
              this.deps.store,
              {
                model: name,
                key: c.key,
                version,
                parents,
                createdAt,
                trigger,
                samples: { total: c.samples, sinceParent: c.sinceVersion },
                offsets: [range],
                metrics: c.capture.metrics,
                drift: { challengerRunning: c.capture.challengerRunning },
                streamtrainVersion: this.deps.streamtrainVersion,
                backend: this.deps.backend,
                modelSpec: this.deps.modelSpec,
              },
              c.capture.snapshot,
              { metrics: c.capture.metricsState, manager: c.capture.state },
              this.fence,
              { pointer: false },
            ),
          `write ${c.key} ${version}`,
          this.log,
          STORE_RETRIES,
        );
        this.nextVersion.set(c.key, { major: v.major, minor: v.minor + 1 });
        return { key: c.key, version, parents, uri, cut: c };
      } catch (err) {
        if (!(err instanceof VersionTakenError) || attempt >= 64) throw err;
        v = { major: v.major, minor: v.minor + 1 };
      }
    }
  }

  /** The first version this epoch writes for a key: after every number in the store, torn or fenced ones included. */
  private async firstVersion(name: string, head: string | undefined): Promise<ModelVersion> {
    const used = await retry(() => usedVersions(this.deps.store, name), 'list versions', this.log, STORE_RETRIES);
    const newest = used[used.length - 1];
    if (!newest) return { major: 1, minor: 0 };
    const h = head ? parseVersion(head) : undefined;
    if (!h) return { major: newest.major + 1, minor: 0 };
    const minor = Math.max(...used.filter((u) => u.major === h.major).map((u) => u.minor)) + 1;
    return { major: h.major, minor };
  }
}

/** Deletes a partition's checkpoint manifests older than its newest `keep` (the one LATEST names is newer). */
async function prunePartition(store: ObjectStore, name: string, latest: string, keep: number): Promise<void> {
  const newest = parseVersion(latest)?.minor ?? 0;
  for (const v of await listVersions(store, name)) if (v.minor <= newest - keep) await store.delete(manifestKey(name, v));
}
