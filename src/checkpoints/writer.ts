import { createHash } from 'node:crypto';
import type { Manifest, ModelSnapshot } from '../core/index.js';
import { StreamtrainError } from '../core/index.js';
import { encodeLatest, readLatest, type WriterFence } from './latest-record.js';
import { BLOBS, latestKey, manifestKey, versionDir, type BlobName } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { encodeState } from './state-blob.js';

export type ManifestInput = Omit<Manifest, 'hashes' | 'formatVersion'>;

export interface WrittenCheckpoint {
  readonly manifest: Manifest;
  readonly uri: string;
}

/** The version number is already used in the store (another writer, or a torn write of an earlier run). */
export class VersionTakenError extends StreamtrainError {
  constructor(readonly version: string) {
    super('VERSION_TAKEN', `version ${version} already exists in the store`, { retriable: false });
  }
}

/**
 * Writes one checkpoint so that a crash at any instant leaves either the previous state or the new one:
 * blobs first, then the manifest holding their sha256 (readers ignore a version without a verifying manifest),
 * then the LATEST pointer. Blobs and manifest are created only if absent, so two writers never mix their
 * objects in one version (the loser gets VersionTakenError); with a fence, LATEST moves by compare-and-swap
 * and a writer whose epoch was superseded gets FencedError. Without a fence (tools, tests) LATEST is
 * overwritten. `pointer: false` writes the version without touching LATEST: a keyed model's versions are
 * published by their partition's checkpoint (keyed-checkpoint.ts), and carry the fence's epoch for the record.
 */
export async function writeCheckpoint(
  store: ObjectStore,
  input: ManifestInput,
  snapshot: ModelSnapshot,
  state: unknown,
  fence?: WriterFence,
  options: { readonly pointer?: boolean } = {},
): Promise<WrittenCheckpoint> {
  const modelJson = {
    format: 'layers-model',
    generatedBy: `streamtrain ${input.streamtrainVersion}`,
    convertedBy: null,
    modelTopology: snapshot.topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: snapshot.weightSpecs }],
  };
  const blobs: Record<BlobName, Uint8Array> = {
    'model.json': new TextEncoder().encode(JSON.stringify(modelJson)),
    'weights.bin': new Uint8Array(snapshot.weightData),
    'state.bin': encodeState({ optimizer: snapshot.optimizer, ...(snapshot.learner !== undefined ? { learner: snapshot.learner } : {}), state }),
  };
  const dir = versionDir(input.model, input.version);
  const hashes: Record<string, string> = {};
  const created = await Promise.all(
    BLOBS.map((name) => {
      hashes[name] = sha256(blobs[name]);
      return createOrFindSame(store, dir + name, blobs[name]);
    }),
  );
  if (created.includes(false)) throw new VersionTakenError(input.version);
  const manifest: Manifest = { formatVersion: 1, ...input, ...(fence ? { epoch: fence.epoch, writer: fence.writer } : {}), hashes };
  if (!(await createOrFindSame(store, manifestKey(input.model, input.version), new TextEncoder().encode(JSON.stringify(manifest, null, 2)))))
    throw new VersionTakenError(input.version);
  if (options.pointer === false) return { manifest, uri: store.uri(dir) };
  if (fence) await fence.advance(input.version);
  else {
    const current = (await readLatest(store, input.model))?.record ?? { epoch: 0, writer: '', epochs: [] };
    await store.put(latestKey(input.model), encodeLatest({ ...current, version: input.version }));
  }
  return { manifest, uri: store.uri(dir) };
}

/**
 * Creates the object, or finds it already there with the same bytes: a retry of this very write after a
 * failure that had gone through. False when another writer's object has the key.
 */
async function createOrFindSame(store: ObjectStore, key: string, data: Uint8Array): Promise<boolean> {
  if (await store.create(key, data)) return true;
  const existing = await store.get(key);
  return existing !== undefined && sha256(existing) === sha256(data);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
