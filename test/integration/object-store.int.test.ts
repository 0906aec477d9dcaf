import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Settings } from './services.js';

describe('S3-compatible object store (real)', () => {
  it('puts, reads back, lists by prefix and deletes objects', async () => {
    const settings = await s3Settings();
    const client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    });
    const Bucket = settings.bucket;
    const prefix = `int-test/${randomUUID()}/`;
    // Not a multiple of any chunk size, and binary, so truncation or re-encoding would show.
    const body = randomBytes(256 * 1024 + 17);
    const md5 = createHash('md5').update(body).digest('hex');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const keys = [`${prefix}weights.bin`, `${prefix}manifest.json`];
    const manifest = Buffer.from(JSON.stringify({ sha256 }), 'utf8');

    try {
      const put = await client.send(
        new PutObjectCommand({
          Bucket,
          Key: keys[0],
          Body: body,
          ContentType: 'application/octet-stream',
          Metadata: { sha256 },
        }),
      );
      // A single-part, unencrypted upload has the MD5 of its bytes as ETag.
      expect(put.ETag).toBe(`"${md5}"`);
      await client.send(new PutObjectCommand({ Bucket, Key: keys[1], Body: manifest, ContentType: 'application/json' }));

      const got = await client.send(new GetObjectCommand({ Bucket, Key: keys[0] }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
      expect(bytes.length).toBe(body.length);
      expect(bytes.equals(body)).toBe(true);
      expect(got.ETag).toBe(`"${md5}"`);
      expect(got.ContentLength).toBe(body.length);
      expect(got.ContentType).toBe('application/octet-stream');
      expect(got.Metadata).toEqual({ sha256 });

      const head = await client.send(new HeadObjectCommand({ Bucket, Key: keys[0] }));
      expect(head.ETag).toBe(`"${md5}"`);
      expect(head.Metadata?.sha256).toBe(sha256);

      const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
      expect(listed.KeyCount).toBe(2);
      expect((listed.Contents ?? []).map((o) => [o.Key, o.Size]).sort()).toEqual(
        [
          [keys[0], body.length],
          [keys[1], manifest.length],
        ].sort(),
      );

      for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket, Key }));
      const after = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
      expect(after.KeyCount).toBe(0);
      await expect(client.send(new HeadObjectCommand({ Bucket, Key: keys[0] }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    } finally {
      for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined);
      client.destroy();
    }
  });
});
