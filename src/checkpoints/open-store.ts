import type { StoreConfig } from '../core/index.js';
import { FolderStore } from './folder-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

/** The store a config describes. */
export function openStore(config: StoreConfig): ObjectStore {
  if (config.type === 'folder') return new FolderStore(config.path);
  return new S3Store(config);
}

/** A short description for logs, never including credentials. */
export function describeStore(config: StoreConfig): string {
  return config.type === 'folder' ? `folder ${config.path}` : `s3://${config.bucket}/${config.prefix}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
}
