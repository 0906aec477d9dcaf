import { CheckpointIntegrityError, type Logger } from '../core/index.js';
import { latestValidCheckpoint, readCheckpoint, readLatest, type LoadedCheckpoint, type ObjectStore } from '../checkpoints/index.js';

export interface StandbyFollowerOptions {
  readonly store: ObjectStore;
  readonly model: string;
  readonly logger: Logger;
  /** How often LATEST is read. */
  readonly pollMs: number;
}

/**
 * What a standby keeps ready: the newest published checkpoint, read and verified (every blob's sha256), in
 * memory. It follows LATEST in the store, the one place that names the published head (the versions topic
 * announces the same versions, but after they are durable and at most once per version), so a takeover starts
 * from bytes already checked and only reads the store again if a newer version appeared meanwhile.
 */
export class StandbyFollower {
  private loaded?: LoadedCheckpoint;
  private seenTag?: string;
  private timer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: StandbyFollowerOptions) {
    this.log = options.logger.child({ module: 'standby' });
  }

  /** The newest verified checkpoint held in memory, if any. */
  get current(): LoadedCheckpoint | undefined {
    return this.loaded;
  }

  get version(): string | null {
    return this.loaded?.manifest.version ?? null;
  }

  /** Loads the newest checkpoint now, then keeps following. */
  async start(): Promise<void> {
    await this.poll();
    this.resume();
  }

  /** Follows again (after this instance stopped leading). */
  resume(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Stops following (while this instance leads, or for good) and waits for a read in progress. */
  async pause(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /**
   * Reads LATEST now, out of turn, and loads its version if newer than the one held (what a poll does):
   * a standby that gains the lease calls it while it claims the epoch, so it rarely has a stale copy.
   */
  refresh(): Promise<void> {
    this.polling = this.polling.then(() => this.poll());
    return this.polling;
  }

  /**
   * The checkpoint of `version` (LATEST's at a takeover): the one held if it is that version, else that one
   * version read and verified now (no listing). Undefined when it does not verify: the caller then searches
   * the lineage for the newest one that does.
   */
  async hold(version: string): Promise<LoadedCheckpoint | undefined> {
    await this.polling;
    if (this.version === version) return this.loaded;
    try {
      const loaded = await readCheckpoint(this.options.store, this.options.model, version);
      this.loaded = loaded;
      return loaded;
    } catch (err) {
      if (!(err instanceof CheckpointIntegrityError)) throw err;
      this.log.warn({ version, err: err.message }, 'the version LATEST names does not verify');
      return undefined;
    }
  }

  /** Drops the checkpoint held, so memory is not held twice while leading. */
  release(): void {
    this.loaded = undefined;
    this.seenTag = undefined;
  }

  private async poll(): Promise<void> {
    const { store, model } = this.options;
    try {
      const latest = await readLatest(store, model);
      if (!latest || latest.tag === this.seenTag) return;
      if (latest.record.version === null || latest.record.version === this.version) {
        this.seenTag = latest.tag;
        return;
      }
      const started = performance.now();
      // LATEST's version is the newest published one: read it alone, and search the lineage only if it is torn.
      const loaded = await readCheckpoint(store, model, latest.record.version).catch((err: unknown) => {
        if (!(err instanceof CheckpointIntegrityError)) throw err;
        this.log.warn({ version: latest.record.version, err: err.message }, 'the version LATEST names does not verify');
        return latestValidCheckpoint(store, model, this.log);
      });
      this.seenTag = latest.tag;
      if (loaded) {
        this.loaded = loaded;
        this.log.debug({ version: loaded.manifest.version, loadMs: Math.round(performance.now() - started) }, 'standby holds a newer checkpoint');
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'standby could not read the store; keeping what it holds');
    }
  }
}
