import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { CheckpointWriteError, ServiceUnavailableError } from '../core/index.js';
import type { ObjectStore } from './object-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle?: boolean;
  /** Omit both to use the SDK's default credential chain (env, profile, instance role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

/**
 * S3-compatible object store (AWS S3, MinIO...). A PutObject is atomic: readers see the old object or the new
 * one, never a torn one. Each upload carries its MD5 so the server rejects bytes damaged in transit.
 */
export class S3Store implements ObjectStore {
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    this.prefix = options.prefix ? options.prefix.replace(/\/+$/, '') + '/' : '';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      maxAttempts: 5,
    });
  }

  uri(key: string): string {
    return `s3://${this.options.bucket}/${this.prefix}${key}`;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.prefix + key,
          Body: data,
          ContentLength: data.byteLength,
          ContentMD5: createHash('md5').update(data).digest('base64'),
        }),
      );
    } catch (cause) {
      throw new CheckpointWriteError(`Cannot write ${this.uri(key)}: ${(cause as Error).message}`, { cause });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return undefined;
      throw new ServiceUnavailableError(`Cannot read ${this.uri(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
