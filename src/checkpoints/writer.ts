import { createHash } from 'node:crypto';
import type { Manifest, ModelSnapshot } from '../core/index.js';
import { BLOBS, latestKey, manifestKey, versionDir, type BlobName } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { encodeState } from './state-blob.js';

export type ManifestInput = Omit<Manifest, 'hashes' | 'formatVersion'>;

export interface WrittenCheckpoint {
  readonly manifest: Manifest;
  readonly uri: string;
}

/**
 * Writes one checkpoint so that a crash at any instant leaves either the previous state or the new one:
 * blobs first, then the manifest holding their sha256 (readers ignore a version without a verifying manifest),
 * then the LATEST pointer. Each `put` is itself atomic in both stores.
 */
export async function writeCheckpoint(store: ObjectStore, input: ManifestInput, snapshot: ModelSnapshot, state: unknown): Promise<WrittenCheckpoint> {
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
    'state.bin': encodeState({ optimizer: snapshot.optimizer, state }),
  };
  const dir = versionDir(input.model, input.version);
  const hashes: Record<string, string> = {};
  await Promise.all(
    BLOBS.map(async (name) => {
      hashes[name] = sha256(blobs[name]);
      await store.put(dir + name, blobs[name]);
    }),
  );
  const manifest: Manifest = { formatVersion: 1, ...input, hashes };
  await store.put(manifestKey(input.model, input.version), new TextEncoder().encode(JSON.stringify(manifest, null, 2)));
  await store.put(latestKey(input.model), new TextEncoder().encode(input.version));
  return { manifest, uri: store.uri(dir) };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
