import type { ModelVersion } from '../core/index.js';
import { formatVersion, parseVersion } from '../core/index.js';

/** Store layout, see ../shared/DESIGN.md "Checkpoint layout". */
export const BLOBS = ['model.json', 'weights.bin', 'state.bin'] as const;
export type BlobName = (typeof BLOBS)[number];

export const versionsPrefix = (model: string): string => `${model}/versions/`;
export const versionDir = (model: string, v: ModelVersion | string): string => `${model}/versions/${typeof v === 'string' ? v : formatVersion(v)}/`;
export const manifestKey = (model: string, v: ModelVersion | string): string => `${versionDir(model, v)}manifest.json`;
export const latestKey = (model: string): string => `${model}/LATEST`;

/** The version whose manifest this key is, if it is one. */
export function versionOfManifestKey(model: string, key: string): ModelVersion | undefined {
  const prefix = versionsPrefix(model);
  if (!key.startsWith(prefix) || !key.endsWith('/manifest.json')) return undefined;
  return parseVersion(key.slice(prefix.length, -'/manifest.json'.length));
}
