// Multipart uploads through lib-storage and the raw multipart commands, checked against ETags and
// checksums computed independently in the test.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256, streamToBuffer, useS3Server } from './s3-support.js';

const s3 = useS3Server();
const BUCKET = 'multipart-bucket';
const MiB = 1024 * 1024;

beforeAll(async () => {
  await s3().client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

function* slices(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

function expectedMultipartEtag(data: Buffer, partSize: number): string {
  const md5s = [...slices(data, partSize)].map((part) => createHash('md5').update(part).digest());
  return `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${md5s.length}"`;
}

function expectedCompositeCrc32(data: Buffer, partSize: number): string {
  const crcs = [...slices(data, partSize)].map((part) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(crc32(part));
    return out;
  });
  const whole = Buffer.alloc(4);
  whole.writeUInt32BE(crc32(Buffer.concat(crcs)));
  return `${whole.toString('base64')}-${crcs.length}`;
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected the call to fail');
}

async function uploadParts(client: S3Client, key: string, sizes: number[]): Promise<{ uploadId: string; etags: string[] }> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const uploadId = created.UploadId!;
  const etags: string[] = [];
  for (const [index, size] of sizes.entries()) {
    const part = await client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: randomBytes(size) }),
    );
    etags.push(part.ETag!);
  }
  return { uploadId, etags };
}

describe('S3 emulator: multipart via lib-storage', () => {
  it('uploads ~38 MiB of unknown length in 5 MiB parts: bytes intact, ETag "-8", composite CRC32', async () => {
    const { client } = s3();
    const data = randomBytes(38 * MiB + 123);
    const upload = new Upload({ client, partSize: 5 * MiB, queueSize: 4, params: { Bucket: BUCKET, Key: 'big/app.zip', Body: Readable.from(slices(data, 256 * 1024)), Metadata: { label: 'big' } } });
    const result = await upload.done();
    expect(result.ETag).toBe(expectedMultipartEtag(data, 5 * MiB));
    expect(result.ETag).toMatch(/-8"$/);

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big/app.zip', ChecksumMode: 'ENABLED' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: result.ETag, Metadata: { label: 'big' } });
    expect(head.ChecksumCRC32).toBe(expectedCompositeCrc32(data, 5 * MiB));
    expect(head.ChecksumType).toBe('COMPOSITE');

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/app.zip', ChecksumMode: 'ENABLED' }));
    expect(sha256(await streamToBuffer(got.Body))).toBe(sha256(data));
  });

  it('computes a full-object CRC64NVME over all parts that the SDK validates on download', async () => {
    const { client } = s3();
    const data = randomBytes(12 * MiB + 7);
    await new Upload({ client, partSize: 5 * MiB, params: { Bucket: BUCKET, Key: 'big/crc64', Body: data, ChecksumAlgorithm: 'CRC64NVME' } }).done();
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/crc64', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumType).toBe('FULL_OBJECT');
    expect(got.ChecksumCRC64NVME).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    // The SDK checks the body against ChecksumCRC64NVME while it is read: a wrong value throws here.
    expect(sha256(await streamToBuffer(got.Body))).toBe(sha256(data));
  });
});

describe('S3 emulator: multipart validation like S3', () => {
  it('rejects a non-last part under 5 MiB with EntityTooSmall', async () => {
    const { client } = s3();
    const { uploadId, etags } = await uploadParts(client, 'small-parts', [1024, 1024]);
    const name = await errorName(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'small-parts',
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      ),
    );
    expect(name).toBe('EntityTooSmall');
  });

  it('rejects parts out of order (InvalidPartOrder) and unknown parts or ETags (InvalidPart)', async () => {
    const { client } = s3();
    const { uploadId, etags } = await uploadParts(client, 'ordered', [5 * MiB, 10]);
    const complete = (Parts: { ETag: string; PartNumber: number }[]) =>
      client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'ordered', UploadId: uploadId, MultipartUpload: { Parts } }));
    expect(await errorName(complete([{ ETag: etags[1]!, PartNumber: 2 }, { ETag: etags[0]!, PartNumber: 1 }]))).toBe('InvalidPartOrder');
    expect(await errorName(complete([{ ETag: etags[0]!, PartNumber: 1 }, { ETag: etags[1]!, PartNumber: 3 }]))).toBe('InvalidPart');
    expect(await errorName(complete([{ ETag: etags[0]!, PartNumber: 1 }, { ETag: '"0123456789abcdef0123456789abcdef"', PartNumber: 2 }]))).toBe('InvalidPart');

    const parts = await client.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'ordered', UploadId: uploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, 5 * MiB, etags[0]], [2, 10, etags[1]]]);

    const done = await complete([{ ETag: etags[0]!, PartNumber: 1 }, { ETag: etags[1]!, PartNumber: 2 }]);
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ordered' }));
    expect(head.ContentLength).toBe(5 * MiB + 10);
    // A completed upload is gone.
    expect(await errorName(client.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'ordered', UploadId: uploadId })))).toBe('NoSuchUpload');
  });

  it('aborts an upload: its parts are gone and NoSuchUpload follows', async () => {
    const { client } = s3();
    const { uploadId } = await uploadParts(client, 'aborted', [100]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted', UploadId: uploadId }));
    expect(
      await errorName(client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'aborted', UploadId: uploadId, PartNumber: 2, Body: 'x' }))),
    ).toBe('NoSuchUpload');
    expect(await errorName(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'aborted' })))).toBe('NotFound');
  });

  it('honours If-None-Match: * on CompleteMultipartUpload', async () => {
    const { client } = s3();
    const first = await uploadParts(client, 'mp-once', [10]);
    const completeOnce = (upload: { uploadId: string; etags: string[] }) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'mp-once',
          UploadId: upload.uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ ETag: upload.etags[0]!, PartNumber: 1 }] },
        }),
      );
    await completeOnce(first);
    const second = await uploadParts(client, 'mp-once', [20]);
    expect(await errorName(completeOnce(second))).toBe('PreconditionFailed');
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'mp-once' }))).ContentLength).toBe(10);
  });
});
