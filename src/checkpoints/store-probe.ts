import { randomBytes } from 'node:crypto';
import { DependencyError, type StoreConfig } from '../core/index.js';
import { describeStore } from './open-store.js';
import type { ObjectStore } from './object-store.js';

/**
 * Proves the store can hold checkpoints as the config gives it: a probe object is created only-if-absent (the
 * conditional write fencing relies on), a second create of it is refused, and it is deleted. Throws a
 * DependencyError naming the setting and the fix when the store is unreachable, refuses the credentials, or
 * lacks the bucket or the conditional writes.
 */
export async function probeStore(store: ObjectStore, config: StoreConfig, model: string): Promise<string> {
  const key = `${model}/.streamtrain-probe-${randomBytes(4).toString('hex')}`;
  try {
    if (!(await store.create(key, new Uint8Array([1]))))
      throw new DependencyError('checkpoints.store', `${describeStore(config)} refused to create a fresh probe object: it reports every key as present.`);
    const again = await store.create(key, new Uint8Array([2]));
    await store.delete(key);
    if (again) {
      throw new DependencyError(
        'checkpoints.store',
        `${describeStore(config)} accepted a second create of one key: it ignores If-None-Match, so it cannot fence a second writer. Use AWS S3, MinIO, or another store with conditional writes.`,
      );
    }
    return `${describeStore(config)}: writable, conditional writes honoured`;
  } catch (err) {
    if (err instanceof DependencyError) throw err;
    throw explainStoreError(err, config);
  }
}

/** One clear error for a store failure: which setting, what was tried, what to do. */
export function explainStoreError(err: unknown, config: StoreConfig): DependencyError {
  const where = describeStore(config);
  const root = rootCause(err);
  const name = (root as { name?: string }).name ?? '';
  const code = (root as { code?: string }).code ?? '';
  const status = (root as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (config.type === 'folder') {
    return new DependencyError(
      'checkpoints.store.path',
      `Cannot write checkpoints to ${where} (${code || root.message}): give \`checkpoints.store.path\` a folder this process may create and write.`,
      { cause: err, retriable: false },
    );
  }
  if (name === 'NoSuchBucket' || (status === 404 && /bucket/i.test(root.message))) {
    return new DependencyError(
      'checkpoints.store.bucket (env S3_BUCKET)',
      `The bucket \`${config.bucket}\` does not exist at ${config.endpoint ?? 'AWS S3'}: create it, or fix \`checkpoints.store.bucket\` / S3_BUCKET.`,
      { cause: err, retriable: false },
    );
  }
  if (['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'AccessDenied', 'InvalidToken', 'ExpiredToken'].includes(name) || status === 403) {
    return new DependencyError(
      'S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY',
      `${where} refused the credentials (${name || status}): check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or the SDK's credential chain) and that they may write under \`${config.prefix ?? ''}\`.`,
      { cause: err, retriable: false },
    );
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(code) || name === 'TimeoutError') {
    return new DependencyError(
      'checkpoints.store.endpoint (env S3_ENDPOINT)',
      `Cannot reach the object store at ${config.endpoint ?? 'AWS S3'} (${code || name}): check \`checkpoints.store.endpoint\` / S3_ENDPOINT and that the store is running.`,
      { cause: err, retriable: true },
    );
  }
  return new DependencyError('checkpoints.store', `The object store ${where} failed: ${root.message}`, { cause: err, retriable: true });
}

function rootCause(err: unknown): Error {
  let e = err as Error & { cause?: unknown };
  for (let i = 0; i < 5 && e.cause instanceof Error; i++) e = e.cause as Error & { cause?: unknown };
  return e;
}
