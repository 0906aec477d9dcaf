export type { ObjectStore } from './object-store.js';
export { FolderStore } from './folder-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { openStore, describeStore } from './open-store.js';
export { writeCheckpoint, sha256, type ManifestInput, type WrittenCheckpoint } from './writer.js';
export { latestValidCheckpoint, listVersions, pruneVersions, readCheckpoint, readLatestPointer, readManifest, type LoadedCheckpoint } from './reader.js';
export { latestKey, manifestKey, versionDir } from './layout.js';
