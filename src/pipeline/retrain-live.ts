import type { Logger, Manifest, PartitionKey } from '../core/index.js';
import { compareVersions, parseVersion } from '../core/index.js';
import { readCheckpoint, readLatest, type ObjectStore } from '../checkpoints/index.js';
import { loadModelArtifacts, PrequentialMetrics, tf } from '../learner/index.js';
import { versionMayScore } from './retrain-plan.js';

interface Published {
  readonly manifest: Manifest;
  readonly model: tf.LayersModel;
}

/**
 * The live model as downstream services see it, for a retrain's race: the published versions of the model
 * (weights.bin, what a ModelSubscriber serves), followed in the store the way a standby follows them (LATEST,
 * every blob's sha256 verified). A version scores a batch only once the race has passed every offset it
 * learned (`versionMayScore`): the newest such version answers, as it would have when those records came.
 */
export class LiveVersions {
  private current?: Published;
  private readonly pending: Published[] = [];
  private seen?: string;
  private timer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private readonly metrics: PrequentialMetrics;
  /** Every version that scored, oldest first. */
  readonly scored: string[] = [];
  private readonly log: Logger;

  private constructor(
    private readonly o: { store: ObjectStore; model: string; task: 'classification' | 'regression'; classes: number; logger: Logger },
    first: Published,
  ) {
    this.log = o.logger.child({ module: 'retrain-live' });
    this.pending.push(first);
    this.seen = first.manifest.version;
    const units = first.model.outputs[0]?.shape.at(-1) ?? 1;
    this.metrics = new PrequentialMetrics(o.task === 'regression' ? 'regression' : units === 1 ? 'binary' : 'multiclass', o.classes, 1000);
  }

  /** Loads the version LATEST names now (the one the race starts against); undefined when nothing is published. */
  static async open(o: {
    store: ObjectStore;
    model: string;
    task: 'classification' | 'regression';
    classes: number;
    logger: Logger;
  }): Promise<LiveVersions | undefined> {
    const latest = await readLatest(o.store, o.model);
    if (!latest?.record.version) return undefined;
    return new LiveVersions(o, await load(o.store, o.model, latest.record.version));
  }

  /** The version the race begins against. */
  get first(): Manifest {
    return ((this.current ?? this.pending[0]) as Published).manifest;
  }

  /** Follows LATEST every `pollMs`, loading each newer published version. */
  follow(pollMs: number): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, pollMs);
    this.timer.unref();
  }

  /**
   * Per-sample errors of the live model on a batch whose next offsets are `positions` (1/0 for classifiers,
   * |error| for regression, as the learner counts them); `rows` are the live model's input vectors.
   */
  errors(rows: Float32Array, labels: Float32Array, size: number, positions: ReadonlyMap<PartitionKey, bigint>): Float32Array {
    this.advance(positions);
    const live = this.current as Published;
    const width = rows.length / size;
    const outputs = tf.tidy(() => (live.model.predict(tf.tensor2d(rows, [size, width])) as tf.Tensor).dataSync() as Float32Array);
    const errors = new Float32Array(size);
    this.metrics.update(outputs, labels, errors);
    return errors;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    for (const p of [this.current, ...this.pending]) p?.model.dispose();
    this.pending.length = 0;
    this.current = undefined;
  }

  /** Swaps in the newest pending version that may score at `positions`. */
  private advance(positions: ReadonlyMap<PartitionKey, bigint>): void {
    let newest = -1;
    this.pending.forEach((p, j) => {
      if (versionMayScore(p.manifest.offsets, positions)) newest = j;
    });
    if (newest >= 0) {
      const taken = this.pending.splice(0, newest + 1);
      const next = taken.pop() as Published;
      for (const p of taken) p.model.dispose();
      this.current?.model.dispose();
      this.current = next;
      this.scored.push(next.manifest.version);
    }
    if (!this.current) throw new RangeError(`version ${this.first.version} of the live model learned records past the race's start`);
  }

  private async poll(): Promise<void> {
    const { store, model } = this.o;
    try {
      const latest = await readLatest(store, model);
      const version = latest?.record.version;
      if (!version || version === this.seen) return;
      const v = parseVersion(version);
      const seen = this.seen ? parseVersion(this.seen) : undefined;
      if (!v || (seen && compareVersions(v, seen) <= 0)) return;
      this.seen = version;
      this.pending.push(await load(store, model, version));
      this.log.debug({ version }, 'a newer live version is published');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the live model; racing the version held');
    }
  }
}

async function load(store: ObjectStore, model: string, version: string): Promise<Published> {
  const c = await readCheckpoint(store, model, version, { withState: false });
  return { manifest: c.manifest, model: await loadModelArtifacts(c.snapshot) };
}
