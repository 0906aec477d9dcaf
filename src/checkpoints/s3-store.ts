import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { CheckpointWriteError, ServiceUnavailableError } from '../core/index.js';
import type { ObjectStore, TaggedObject } from './object-store.js';

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
    await this.write(key, data, {});
  }

  async create(key: string, data: Uint8Array): Promise<boolean> {
    return (await this.write(key, data, { IfNoneMatch: '*' })) !== undefined;
  }

  async replace(key: string, data: Uint8Array, tag: string | undefined): Promise<string | undefined> {
    return this.write(key, data, tag === undefined ? { IfNoneMatch: '*' } : { IfMatch: tag });
  }

  async getTagged(key: string): Promise<TaggedObject | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
      const data = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      return { data, tag: res.ETag ?? '' };
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return undefined;
      throw new ServiceUnavailableError(`Cannot read ${this.uri(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * One PutObject; with a condition, the new ETag, or undefined when the condition failed: 412 Precondition
   * Failed, 409 ConditionalRequestConflict (a concurrent conditional write won), or 404 for If-Match on a
   * missing object.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
   */
  private async write(key: string, data: Uint8Array, condition: { IfMatch?: string; IfNoneMatch?: string }): Promise<string | undefined> {
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.prefix + key,
          Body: data,
          ContentLength: data.byteLength,
          ContentMD5: createHash('md5').update(data).digest('base64'),
          ...condition,
        }),
      );
      return res.ETag ?? '';
    } catch (cause) {
      const status = cause instanceof S3ServiceException ? cause.$metadata.httpStatusCode : undefined;
      if ((condition.IfMatch || condition.IfNoneMatch) && (status === 412 || status === 409 || (status === 404 && condition.IfMatch))) return undefined;
      throw new CheckpointWriteError(`Cannot write ${this.uri(key)}: ${(cause as Error).message}`, { cause });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.getTagged(key))?.data;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }));
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
