import { compareVersions, FencedError, parseVersion, ServiceUnavailableError } from '../core/index.js';
import { latestKey } from './layout.js';
import type { ObjectStore } from './object-store.js';

/**
 * What `<model>/LATEST` holds: the head of the published lineage and the epoch of the one instance allowed to
 * move it. A store written before epochs existed holds the bare version text; it reads as epoch 0.
 */
export interface LatestRecord {
  /** The newest published version; null when a writer has claimed the model but published nothing yet. */
  readonly version: string | null;
  /** Incremented by every takeover; only the writer of this epoch may move LATEST. */
  readonly epoch: number;
  /** The instance that holds the epoch (host, pid and a random suffix): for logs and `versions`. */
  readonly writer: string;
  /** Where each recent epoch began: the version LATEST held when its writer took over (newest last). */
  readonly epochs: readonly { readonly epoch: number; readonly since: string | null }[];
}

/** Epochs remembered in LATEST: enough to tell a fenced writer's leftovers from the lineage. */
const EPOCH_HISTORY = 32;
const CLAIM_ATTEMPTS = 20;

export function encodeLatest(record: LatestRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

export function decodeLatest(bytes: Uint8Array): LatestRecord {
  const text = new TextDecoder().decode(bytes).trim();
  if (!text.startsWith('{')) return { version: text || null, epoch: 0, writer: '', epochs: [] };
  const r = JSON.parse(text) as Partial<LatestRecord>;
  return { version: r.version ?? null, epoch: r.epoch ?? 0, writer: r.writer ?? '', epochs: r.epochs ?? [] };
}

export async function readLatest(store: ObjectStore, model: string): Promise<{ record: LatestRecord; tag: string } | undefined> {
  const got = await store.getTagged(latestKey(model));
  return got ? { record: decodeLatest(got.data), tag: got.tag } : undefined;
}

/**
 * Whether a version written by the writer of `epoch` belongs to the lineage LATEST heads. A writer whose epoch
 * was superseded may have left a version it could not publish (its LATEST move was refused): such a version
 * is newer than where the next epoch began, and is not part of the lineage.
 */
export function isPublished(version: string, epoch: number, latest: LatestRecord): boolean {
  const v = parseVersion(version);
  const head = latest.version === null ? undefined : parseVersion(latest.version);
  if (!v || !head || compareVersions(v, head) > 0 || epoch > latest.epoch) return false;
  if (epoch === latest.epoch) return true;
  const next = latest.epochs.filter((e) => e.epoch > epoch).sort((a, b) => a.epoch - b.epoch)[0];
  if (!next) return true;
  const since = next.since === null ? undefined : parseVersion(next.since);
  return since !== undefined && compareVersions(v, since) <= 0;
}

/**
 * The right to move one model's LATEST, held by one instance. `claimEpoch` takes it over by a compare-and-swap
 * that raises the epoch; from then on every LATEST move of an older epoch is refused by the store, whatever the
 * election believes. `advance` moves LATEST by compare-and-swap on the tag of the instance's own last write.
 */
export class WriterFence {
  private constructor(
    private readonly store: ObjectStore,
    readonly model: string,
    private current: LatestRecord,
    private tag: string,
  ) {}

  /** Raises the epoch in LATEST (retrying while other writes race it) and returns the fence of the new epoch. */
  static async claim(store: ObjectStore, model: string, writer: string): Promise<WriterFence> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const cur = await readLatest(store, model);
      const epoch = (cur?.record.epoch ?? 0) + 1;
      const version = cur?.record.version ?? null;
      const record: LatestRecord = { version, epoch, writer, epochs: [...(cur?.record.epochs ?? []), { epoch, since: version }].slice(-EPOCH_HISTORY) };
      const tag = await store.replace(latestKey(model), encodeLatest(record), cur?.tag);
      if (tag !== undefined) return new WriterFence(store, model, record, tag);
    }
    throw new ServiceUnavailableError(`LATEST of ${model} changed ${CLAIM_ATTEMPTS} times while this instance tried to claim it`);
  }

  get epoch(): number {
    return this.current.epoch;
  }

  get writer(): string {
    return this.current.writer;
  }

  /** LATEST as this instance last wrote it. */
  get latest(): LatestRecord {
    return this.current;
  }

  /**
   * Moves LATEST to `version`. Throws FencedError when LATEST moved under a newer epoch: this instance is no
   * longer the writer. A write whose answer was lost (it went through, the retry is refused) counts as done.
   */
  async advance(version: string): Promise<void> {
    const record: LatestRecord = { ...this.current, version };
    const tag = await this.store.replace(latestKey(this.model), encodeLatest(record), this.tag);
    if (tag !== undefined) {
      this.current = record;
      this.tag = tag;
      return;
    }
    const now = await readLatest(this.store, this.model);
    if (now && now.record.epoch === record.epoch && now.record.writer === record.writer && now.record.version === version) {
      this.current = record;
      this.tag = now.tag;
      return;
    }
    throw new FencedError(
      `LATEST of ${this.model} is at ${now?.record.version ?? 'nothing'} under epoch ${now?.record.epoch ?? 0} (${now?.record.writer || 'unknown writer'}); ` +
        `this instance holds epoch ${record.epoch} and may no longer publish ${version}`,
    );
  }
}
