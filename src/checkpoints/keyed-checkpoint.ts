import type { Manifest, OffsetRange } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';
import { readLatest, type LatestRecord, type WriterFence } from './latest-record.js';
import { manifestKey } from './layout.js';
import { readManifest } from './reader.js';
import type { ObjectStore } from './object-store.js';
import { VersionTakenError } from './writer.js';

/**
 * Store layout of a keyed model (`model.partitionBy`). The Kafka partition is the unit of state:
 *
 *   <model>/partitions/<topic>-<p>/LATEST                  fenced pointer, one writer per partition
 *   <model>/partitions/<topic>-<p>/versions/1.<n>/manifest.json   which key versions, up to which offset
 *   <model>/keys/k=<key>/versions/<major.minor>/...        each key's own lineage (blobs + manifest)
 *
 * A key's version is written first and is not published until a partition checkpoint that lists it moves the
 * partition's LATEST: that single compare-and-swap publishes every key of the partition and its offsets at once.
 */
export const keyModelName = (model: string, key: string): string => `${model}/keys/k=${encodeKey(key)}`;
export const partitionName = (model: string, topic: string, partition: number): string => `${model}/partitions/${topic}-${partition}`;
export const partitionsPrefix = (model: string): string => `${model}/partitions/`;

/** Path-safe and reversible: every character outside `[A-Za-z0-9_-]` (`.` and `/` included) is percent-encoded. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/[.!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One key's state as of a partition checkpoint. */
export interface KeyHead {
  /** The key's newest version (in its own lineage under keyModelName). */
  readonly version: string;
  /** Samples of this key its model has learned in all. */
  readonly samples: number;
}

/** What a partition checkpoint holds: where the partition's stream stands and the version of each of its keys. */
export interface PartitionManifest {
  readonly formatVersion: 1;
  readonly model: string;
  readonly topic: string;
  readonly partition: number;
  /** `1.<n>`: the partition's checkpoints are numbered 1.0, 1.1, ... (a number a fenced writer took is skipped). */
  readonly version: string;
  readonly parent: string | null;
  readonly createdAt: string;
  readonly trigger: string;
  /** Offsets absorbed since the parent checkpoint (`to` exclusive: the next offset to read). */
  readonly offsets: OffsetRange;
  /** Records of the partition absorbed since the parent (examples and dead-lettered ones). */
  readonly records: number;
  readonly keys: Readonly<Record<string, KeyHead>>;
  readonly epoch: number;
  readonly writer: string;
}

/**
 * Creates the partition checkpoint's manifest (only if absent), then moves the partition's LATEST to it by
 * compare-and-swap under the writer's fence: FencedError if another instance has claimed the partition since.
 */
export async function writePartitionCheckpoint(store: ObjectStore, manifest: PartitionManifest, fence: WriterFence): Promise<void> {
  const name = partitionName(manifest.model, manifest.topic, manifest.partition);
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
  const key = manifestKey(name, manifest.version);
  if (!(await store.create(key, bytes))) {
    const existing = await store.get(key);
    if (!existing || Buffer.compare(Buffer.from(existing), Buffer.from(bytes)) !== 0) throw new VersionTakenError(`${name} ${manifest.version}`);
  }
  await fence.advance(manifest.version);
}

/** The partition checkpoint LATEST points at, or undefined for a partition never checkpointed. */
export async function readPartitionHead(
  store: ObjectStore,
  model: string,
  topic: string,
  partition: number,
  latest?: LatestRecord,
): Promise<PartitionManifest | undefined> {
  const name = partitionName(model, topic, partition);
  const version = (latest ?? (await readLatest(store, name))?.record)?.version;
  if (!version) return undefined;
  const bytes = await store.get(manifestKey(name, version));
  if (!bytes) throw new CheckpointIntegrityError(`LATEST of ${name} names ${version}, whose manifest is missing`);
  try {
    const m = JSON.parse(new TextDecoder().decode(bytes)) as PartitionManifest;
    if (m.formatVersion === 1 && typeof m.keys === 'object' && typeof m.offsets?.to === 'string') return m;
  } catch (cause) {
    throw new CheckpointIntegrityError(`partition manifest ${name} ${version} is not JSON`, { cause });
  }
  throw new CheckpointIntegrityError(`partition manifest ${name} ${version} lacks its fields`);
}

/** Every partition of a keyed model that has a LATEST, as `{topic, partition}`. */
export async function listPartitions(store: ObjectStore, model: string): Promise<{ topic: string; partition: number }[]> {
  const prefix = partitionsPrefix(model);
  const names = new Set((await store.list(prefix)).map((k) => k.slice(prefix.length).split('/')[0] ?? ''));
  const out: { topic: string; partition: number }[] = [];
  for (const n of names) {
    const m = /^(.+)-(\d+)$/.exec(n);
    if (m) out.push({ topic: m[1] as string, partition: Number(m[2]) });
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The published head of every key of a keyed model: each partition's LATEST checkpoint, merged. */
export async function keyedHeads(store: ObjectStore, model: string): Promise<Map<string, KeyHead & { readonly topic: string; readonly partition: number }>> {
  const heads = new Map<string, KeyHead & { topic: string; partition: number }>();
  for (const { topic, partition } of await listPartitions(store, model)) {
    const m = await readPartitionHead(store, model, topic, partition);
    for (const [key, head] of Object.entries(m?.keys ?? {})) heads.set(key, { ...head, topic, partition });
  }
  return heads;
}

/** A partition's published checkpoints, oldest first: from its LATEST back through parents. */
export async function partitionLineage(store: ObjectStore, model: string, topic: string, partition: number): Promise<PartitionManifest[]> {
  const out: PartitionManifest[] = [];
  const name = partitionName(model, topic, partition);
  let m = await readPartitionHead(store, model, topic, partition);
  while (m) {
    out.unshift(m);
    if (m.parent === null) break;
    const bytes = await store.get(manifestKey(name, m.parent));
    if (!bytes) throw new CheckpointIntegrityError(`${name} ${m.version} names parent ${m.parent}, whose manifest is missing`);
    m = JSON.parse(new TextDecoder().decode(bytes)) as PartitionManifest;
  }
  return out;
}

/** A key's lineage, oldest first: from `head` (the version its partition's checkpoint names) back through first parents. */
export async function keyLineage(store: ObjectStore, model: string, key: string, head: string): Promise<Manifest[]> {
  const out: Manifest[] = [];
  const seen = new Set<string>();
  for (let v: string | undefined = head; v && !seen.has(v); ) {
    seen.add(v);
    const m = await readManifest(store, keyModelName(model, key), v);
    out.unshift(m);
    v = m.parents[0];
  }
  return out;
}
