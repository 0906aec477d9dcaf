import type { LabelJoinSummary, Logger, Manifest, MetricValues, ModelSnapshot, ModelVersion, OffsetRange, PartitionKey, Trigger } from '../core/index.js';
import { FencedError, formatVersion, StreamtrainError } from '../core/index.js';
import { pruneVersions, usedVersions, writeCheckpoint, type ObjectStore, type WriterFence } from '../checkpoints/index.js';
import { positionsOf } from './offset-ledger.js';
import type { PipelineObserver } from './observer.js';

/** What a checkpoint holds from the learner; it may still be on its way (a capture queued on the learner thread). */
export interface CheckpointContent {
  readonly snapshot: ModelSnapshot;
  readonly state: unknown;
  readonly metrics: MetricValues;
  readonly drift: unknown;
}

export interface CheckpointRequest {
  readonly trigger: Trigger;
  readonly content: Promise<CheckpointContent>;
  readonly offsets: readonly OffsetRange[];
  /** With `input.labels`: the join's offsets of both topics and counts, for the manifest. */
  readonly labels?: LabelJoinSummary;
  readonly samplesTotal: number;
  readonly samplesSinceParent: number;
  /** Start a new major (a model built from scratch, or a promoted challenger). */
  readonly newMajor?: boolean;
  /** Extra parent, e.g. the champion a challenger replaces. */
  readonly extraParents?: readonly string[];
  /** `performance.now()` when the newest record in this version reached the pipeline; absent if it holds none. */
  readonly newestRecordAt?: number;
}

export interface CheckpointerDeps {
  readonly store: ObjectStore;
  readonly model: string;
  readonly keep: number;
  readonly backend: string;
  readonly modelSpec: unknown;
  readonly streamtrainVersion: string;
  readonly logger: Logger;
  /** This instance's right to move LATEST; without one (tools, tests) LATEST is overwritten. */
  readonly fence?: WriterFence;
  /** Runs before the manifest is written: dead-letter entries must be durable before their offsets are. */
  readonly beforeWrite?: () => Promise<void>;
  /** Commits consumed offsets to Kafka; runs only after the checkpoint is durable. */
  readonly commit?: (positions: ReadonlyMap<PartitionKey, bigint>) => Promise<void>;
  /** Announces the version; runs after the commit. */
  readonly announce?: (manifest: Manifest, uri: string) => Promise<void>;
  /** Told each write's time and, once a version is announced, its freshness. */
  readonly observer?: PipelineObserver;
}

const RETRIES = 6;

/** Listings of the store's version numbers begun as soon as an epoch was claimed, by fence (see listAhead). */
const listedAhead = new WeakMap<WriterFence, Promise<ModelVersion[]>>();

/**
 * Step 3 of the offsets protocol (../shared/DESIGN.md): write blobs, manifest and LATEST; then commit the
 * offsets to Kafka; then publish the version event. Writes run one at a time in the background, in version
 * order, while learning goes on. A write that keeps failing after retries is fatal: the process stops and a
 * restart resumes from the last durable checkpoint, so no event is applied twice or lost.
 */
export class Checkpointer {
  private chain: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private abandoned?: FencedError;
  private head?: ModelVersion;
  private nextMinor = new Map<number, number>();
  private readonly log: Logger;
  /** The last versions written durably by this process, newest last (bounded: a service runs for months). */
  readonly written: Manifest[] = [];

  private constructor(private readonly deps: CheckpointerDeps) {
    this.log = deps.logger.child({ module: 'checkpoints' });
  }

  /**
   * Begins listing the version numbers in the store now, for the Checkpointer that `open` makes with this fence
   * (a takeover: the listing runs while the model is restored). Call it once the epoch is claimed, when `open`
   * would list: it is the same listing, begun earlier. One listing per fence, used once.
   */
  static listAhead(store: ObjectStore, fence: WriterFence): void {
    const listing = usedVersions(store, fence.model);
    listing.catch(() => undefined);
    listedAhead.set(fence, listing);
  }

  /**
   * `restored` is the version the live model was restored from. New versions never reuse a number already in
   * the store, even one left torn by a crash or by a writer that was fenced.
   */
  static async open(deps: CheckpointerDeps, restored?: string): Promise<Checkpointer> {
    const c = new Checkpointer(deps);
    const ahead = deps.fence && listedAhead.get(deps.fence);
    if (deps.fence) listedAhead.delete(deps.fence);
    const used = await (ahead?.catch(() => usedVersions(deps.store, deps.model)) ?? usedVersions(deps.store, deps.model));
    for (const v of used) c.nextMinor.set(v.major, Math.max(c.nextMinor.get(v.major) ?? 0, v.minor + 1));
    if (restored) {
      const [major, minor] = restored.split('.').map(Number) as [number, number];
      c.head = { major, minor };
    }
    return c;
  }

  /** The newest version requested (durable or on its way). */
  get headVersion(): string | undefined {
    return this.head ? formatVersion(this.head) : undefined;
  }

  /** Throws the background failure, if a write gave up: the caller stops the service. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Queues a checkpoint; returns its version at once, the write completes in the background (in request order). */
  request(req: CheckpointRequest): string {
    this.throwIfFailed();
    const parent = this.head ? formatVersion(this.head) : undefined;
    const major = req.newMajor || !this.head ? Math.max(this.head?.major ?? 0, ...this.nextMinor.keys()) + 1 : this.head.major;
    const minor = req.newMajor || !this.head ? 0 : Math.max(this.nextMinor.get(major) ?? 0, this.head.minor + 1);
    const version: ModelVersion = { major, minor };
    this.nextMinor.set(major, minor + 1);
    this.head = version;
    // A challenger branched from the head has one parent, not the same one twice.
    const parents = [...new Set([...(parent ? [parent] : []), ...(req.extraParents ?? [])])];
    this.chain = this.chain
      .then(() => this.write(formatVersion(version), parents, req))
      .catch((err) => {
        this.failure ??= err;
        if (err instanceof FencedError)
          this.log.error(
            { err: err.message, version: formatVersion(version) },
            'fenced: another instance is the writer; nothing more is published or committed',
          );
        else this.log.fatal({ err: (err as Error).message }, 'checkpoint could not be written; stopping');
      });
    return formatVersion(version);
  }

  /** Leadership lost: a write not yet durable is dropped, and none is committed or announced any more. */
  abandon(reason: string): void {
    this.abandoned ??= new FencedError(`no longer the writer of ${this.deps.model}: ${reason}`);
  }

  /** Resolves when every requested checkpoint is durable, committed and announced. */
  async drain(): Promise<void> {
    await this.chain;
    this.throwIfFailed();
  }

  private async write(version: string, parents: string[], req: CheckpointRequest): Promise<void> {
    const content = await req.content;
    if (this.abandoned) throw this.abandoned;
    const started = performance.now();
    // Fixed before the first attempt: a retry writes the same manifest bytes, which the store recognizes.
    const createdAt = new Date().toISOString();
    await retry(() => this.deps.beforeWrite?.() ?? Promise.resolve(), 'flush dead-letter entries', this.log);
    const { manifest, uri } = await retry(
      () =>
        writeCheckpoint(
          this.deps.store,
          {
            model: this.deps.model,
            version,
            parents,
            createdAt,
            trigger: req.trigger,
            samples: { total: req.samplesTotal, sinceParent: req.samplesSinceParent },
            offsets: req.offsets,
            metrics: content.metrics,
            drift: content.drift,
            streamtrainVersion: this.deps.streamtrainVersion,
            backend: this.deps.backend,
            modelSpec: this.deps.modelSpec,
            ...(req.labels ? { labels: req.labels } : {}),
          },
          content.snapshot,
          content.state,
          this.deps.fence,
        ),
      `write checkpoint ${version}`,
      this.log,
    );
    const writeMs = performance.now() - started;
    if (this.abandoned) throw this.abandoned;
    this.deps.observer?.checkpointWritten?.(writeMs / 1000);
    this.written.push(manifest);
    if (this.written.length > 16) this.written.shift();
    // Committing is for lag tools and other readers of the group: a restart seeks to the checkpoint anyway,
    // so a failed commit is logged, not fatal.
    if (this.deps.commit)
      await this.deps.commit(positionsOf(req.offsets)).catch((err: Error) => this.log.warn({ err: err.message, version }, 'offset commit failed'));
    if (this.deps.announce)
      await this.deps.announce(manifest, uri).catch((err: Error) => this.log.error({ err: err.message, version }, 'version event not published'));
    if (req.newestRecordAt !== undefined) this.deps.observer?.versionPublished?.((performance.now() - req.newestRecordAt) / 1000);
    this.log.info({ version, parents, trigger: req.trigger.reason, samples: req.samplesTotal, writeMs: Math.round(writeMs) }, 'checkpoint durable');
    if (this.deps.keep > 0) {
      await pruneVersions(this.deps.store, this.deps.model, this.deps.keep).catch((err: Error) =>
        this.log.warn({ err: err.message }, 'pruning old versions failed'),
      );
    }
  }
}

/** Runs `fn`, retrying a retriable failure up to `retries` times with a doubling delay (at most 10 s). */
export async function retry<T>(fn: () => Promise<T>, what: string, log: Logger, retries = RETRIES): Promise<T> {
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof StreamtrainError ? err.retriable : !(err instanceof TypeError || err instanceof RangeError);
      if (!retriable || attempt > retries) throw err;
      log.warn({ err: (err as Error).message, attempt, nextInMs: delay }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
