import type { Logger, Manifest, ModelSnapshot, ModelVersion } from '../core/index.js';
import { CheckpointIntegrityError, compareVersions, formatVersion, parseVersion } from '../core/index.js';
import { manifestKey, versionDir, versionOfManifestKey, versionsPrefix } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { decodeState } from './state-blob.js';
import { isPublished, readLatest } from './latest-record.js';
import { sha256 } from './writer.js';
import { readDecisions } from './decision-log.js';

export interface LoadedCheckpoint {
  readonly manifest: Manifest;
  readonly uri: string;
  readonly snapshot: ModelSnapshot;
  /** Learner and detector state written with the checkpoint; undefined when loaded without state. */
  readonly state: unknown;
}

/** Versions that have a manifest, oldest first (not yet verified). */
export async function listVersions(store: ObjectStore, model: string): Promise<ModelVersion[]> {
  const keys = await store.list(versionsPrefix(model));
  return keys
    .map((k) => versionOfManifestKey(model, k))
    .filter((v): v is ModelVersion => v !== undefined)
    .sort(compareVersions);
}

/**
 * Every version number with any object in the store, torn ones included (blobs without a manifest): numbers a
 * new version must not take, since blobs are created only if absent.
 */
export async function usedVersions(store: ObjectStore, model: string): Promise<ModelVersion[]> {
  const prefix = versionsPrefix(model);
  const names = new Set((await store.list(prefix)).map((k) => k.slice(prefix.length).split('/')[0] ?? ''));
  return [...names]
    .map((n) => parseVersion(n))
    .filter((v): v is ModelVersion => v !== undefined)
    .sort(compareVersions);
}

/** Reads a manifest without its blobs. */
export async function readManifest(store: ObjectStore, model: string, version: ModelVersion | string): Promise<Manifest> {
  const bytes = await store.get(manifestKey(model, version));
  if (!bytes) throw new CheckpointIntegrityError(`No manifest for ${model} ${typeof version === 'string' ? version : formatVersion(version)}`);
  try {
    const m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    if (m.formatVersion !== 1 || typeof m.version !== 'string' || typeof m.hashes !== 'object') throw new CheckpointIntegrityError('manifest fields missing');
    return m;
  } catch (cause) {
    throw new CheckpointIntegrityError(`Manifest of ${model} ${String(typeof version === 'string' ? version : formatVersion(version))} is unreadable`, {
      cause,
    });
  }
}

/**
 * Loads and verifies one checkpoint: every blob must exist and match the sha256 in its manifest.
 * `withState: false` skips the optimizer/detector blob (what a downstream service needs).
 */
export async function readCheckpoint(
  store: ObjectStore,
  model: string,
  version: ModelVersion | string,
  options: { withState?: boolean } = {},
): Promise<LoadedCheckpoint> {
  const manifest = await readManifest(store, model, version);
  const dir = versionDir(model, version);
  const load = async (name: string): Promise<Uint8Array> => {
    const bytes = await store.get(dir + name);
    if (!bytes) throw new CheckpointIntegrityError(`${dir}${name} is missing`);
    if (sha256(bytes) !== manifest.hashes[name]) throw new CheckpointIntegrityError(`${dir}${name} does not match the sha256 in its manifest`);
    return bytes;
  };
  const [modelJsonBytes, weights, stateBytes] = await Promise.all([
    load('model.json'),
    load('weights.bin'),
    options.withState === false ? Promise.resolve(undefined) : load('state.bin'),
  ]);
  let modelJson: { modelTopology: unknown; weightsManifest: { weights: ModelSnapshot['weightSpecs'] }[] };
  try {
    modelJson = JSON.parse(new TextDecoder().decode(modelJsonBytes));
  } catch (cause) {
    throw new CheckpointIntegrityError(`${dir}model.json is not JSON`, { cause });
  }
  const state = stateBytes ? decodeState(stateBytes) : undefined;
  const snapshot: ModelSnapshot = {
    topology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.slice().buffer,
    optimizer: state?.optimizer ?? { className: '', config: {}, tensors: [], data: new ArrayBuffer(0) },
    ...(state?.learner !== undefined ? { learner: state.learner } : {}),
  };
  return { manifest, uri: store.uri(dir), snapshot, state: state?.state };
}

/**
 * The newest published checkpoint whose hashes verify, skipping (and logging) torn or corrupt ones: a crash
 * between blobs and manifest, or a damaged object, costs one version, never the service. Published means in
 * the lineage LATEST heads (see `isPublished`): a version a fenced writer left behind is never restored. A
 * store without LATEST (a crash before the first one) falls back to the newest manifest that verifies.
 */
export async function latestValidCheckpoint(
  store: ObjectStore,
  model: string,
  logger: Logger,
  options: { withState?: boolean } = {},
): Promise<LoadedCheckpoint | undefined> {
  const latest = (await readLatest(store, model))?.record;
  const versions = await listVersions(store, model);
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i] as ModelVersion;
    const name = formatVersion(v);
    try {
      if (latest) {
        const manifest = await readManifest(store, model, v);
        if (!isPublished(name, manifest.epoch ?? 0, latest)) continue;
      }
      return await readCheckpoint(store, model, v, options);
    } catch (err) {
      if (!(err instanceof CheckpointIntegrityError)) throw err;
      logger.warn({ model, version: name, err: err.message }, 'skipping a checkpoint that does not verify');
    }
  }
  return undefined;
}

/** The version LATEST points at, if any. */
export async function readLatestPointer(store: ObjectStore, model: string): Promise<string | undefined> {
  return (await readLatest(store, model))?.record.version ?? undefined;
}

/**
 * Removes old minor versions beyond `keep` per major, never the newest one of a major, LATEST's, or one a rollout
 * decision names for serving (`rollback`, `pin`): replicas may have to load it again.
 */
export async function pruneVersions(store: ObjectStore, model: string, keep: number): Promise<string[]> {
  if (keep <= 0) return [];
  const versions = await listVersions(store, model);
  const held = new Set((await readDecisions(store, model)).filter((d) => d.type === 'rollback' || d.type === 'pin').map((d) => d.version));
  const byMajor = new Map<number, ModelVersion[]>();
  for (const v of versions) byMajor.set(v.major, [...(byMajor.get(v.major) ?? []), v]);
  const latest = await readLatestPointer(store, model);
  const removed: string[] = [];
  for (const list of byMajor.values()) {
    for (const v of list.slice(0, Math.max(0, list.length - keep))) {
      const name = formatVersion(v);
      if (name === latest || held.has(name)) continue;
      const dir = versionDir(model, v);
      // Manifest first: a half-deleted version is then simply invisible to readers.
      await store.delete(manifestKey(model, v));
      for (const blob of ['model.json', 'weights.bin', 'state.bin']) await store.delete(dir + blob);
      removed.push(name);
    }
  }
  return removed;
}
