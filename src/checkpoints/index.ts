export type { ObjectStore, TaggedObject } from './object-store.js';
export { FolderStore } from './folder-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { openStore, describeStore } from './open-store.js';
export { writeCheckpoint, sha256, VersionTakenError, type ManifestInput, type WrittenCheckpoint } from './writer.js';
export { WriterFence, decodeLatest, encodeLatest, isPublished, readLatest, type LatestRecord } from './latest-record.js';
export {
  latestValidCheckpoint,
  listVersions,
  pruneVersions,
  readCheckpoint,
  readLatestPointer,
  readManifest,
  usedVersions,
  type LoadedCheckpoint,
} from './reader.js';
export { latestKey, manifestKey, versionDir, versionsPrefix } from './layout.js';
export { probeStore, explainStoreError } from './store-probe.js';
export {
  encodeKey,
  keyedHeads,
  keyLineage,
  keyModelName,
  listPartitions,
  partitionLineage,
  partitionName,
  readPartitionHead,
  writePartitionCheckpoint,
  type KeyHead,
  type PartitionManifest,
} from './keyed-checkpoint.js';
export { appendDecision, decisionKey, decisionsPrefix, lastDecisionSeq, readDecisions, type DecisionDraft } from './decision-log.js';
