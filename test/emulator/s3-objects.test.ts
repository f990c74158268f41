// Bucket and object basics through the real SDK v3 client, configured only by env vars.
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sha256, streamToBuffer, useS3Server } from './s3-support.js';

const s3 = useS3Server();

describe('S3 emulator: buckets and objects via SDK v3', () => {
  it('creates a bucket idempotently, puts and gets an object byte-identical with metadata', async () => {
    const { client } = s3();
    await client.send(new CreateBucketCommand({ Bucket: 'basic-bucket' }));
    await client.send(new CreateBucketCommand({ Bucket: 'basic-bucket' }));
    const data = randomBytes(300_000);
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'basic-bucket', Key: 'dir/file.bin', Body: data, ContentType: 'application/zip', Metadata: { label: 'v1' } }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await client.send(new GetObjectCommand({ Bucket: 'basic-bucket', Key: 'dir/file.bin' }));
    expect(sha256(await streamToBuffer(got.Body))).toBe(sha256(data));
    expect(got.ETag).toBe(put.ETag);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'basic-bucket', Key: 'dir/file.bin' }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ContentType).toBe('application/zip');
    expect(head.Metadata).toEqual({ label: 'v1' });
  });
});
