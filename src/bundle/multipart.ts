// Multipart upload of a file with constant memory: `queueSize` part buffers, allocated once and
// reused, each filled straight from the file at its part's offset. (@aws-sdk/lib-storage
// concatenates the stream's reads into each part and keeps the remainder as a view that pins the
// whole concatenated buffer: 160–180 MiB peak for a 500 MiB bundle instead of this ~120.) A part is
// a Buffer, not a stream, so the SDK's and our retries can send it again.
import { open, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand, ChecksumAlgorithm, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand,
  UploadPartCommand, type CompletedPart, type S3Client,
} from '@aws-sdk/client-s3';
import { withRetries, type RetryContext } from '../aws/retry.js';

export interface FileUpload {
  bucket: string;
  key: string;
  path: string;
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

/** A multipart upload that was created and is not yet completed or aborted (its parts are billed). */
export interface OpenMultipartUpload {
  bucket: string;
  key: string;
  uploadId: string;
}

/** Told when a multipart upload opens and when it is closed (completed or aborted), so an interrupted job can abort it. */
export interface MultipartEvents {
  opened?(upload: OpenMultipartUpload): void;
  closed?(): void;
}

export interface PartPlan {
  partSize: number;
  queueSize: number;
}

async function readPart(file: FileHandle, buffer: Buffer, position: number, length: number): Promise<Buffer> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`the bundle file got shorter while it was being uploaded (at byte ${position + done})`);
    done += bytesRead;
  }
  return buffer.subarray(0, length);
}

/** Writes the file to bucket/key with `If-None-Match: *` (a PutObject, or multipart above one part). */
export async function uploadFile(s3: S3Client, file: FileUpload, plan: PartPlan, retry: RetryContext, events: MultipartEvents = {}): Promise<void> {
  const target = { Bucket: file.bucket, Key: file.key };
  const handle = await open(file.path, 'r');
  try {
    if (file.size <= plan.partSize) {
      const body = await readPart(handle, Buffer.allocUnsafe(file.size), 0, file.size);
      await withRetries('PutObject', retry, () =>
        s3.send(new PutObjectCommand({ ...target, Body: body, ContentLength: file.size, ContentType: file.contentType, Metadata: file.metadata, IfNoneMatch: '*' })),
      );
      return;
    }
    // Like lib-storage: declare the checksum the SDK adds to every part when it computes them.
    const checksums = (await s3.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
    const created = await withRetries('CreateMultipartUpload', retry, () =>
      s3.send(
        new CreateMultipartUploadCommand({
          ...target,
          ContentType: file.contentType,
          Metadata: file.metadata,
          ChecksumAlgorithm: checksums ? ChecksumAlgorithm.CRC32 : undefined,
        }),
      ),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    events.opened?.({ bucket: file.bucket, key: file.key, uploadId });
    try {
      const count = Math.ceil(file.size / plan.partSize);
      const parts: CompletedPart[] = [];
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        const buffer = Buffer.allocUnsafe(plan.partSize);
        while (!failed && next < count) {
          const index = next++;
          const position = index * plan.partSize;
          const body = await readPart(handle, buffer, position, Math.min(plan.partSize, file.size - position));
          const res = await withRetries('UploadPart', retry, () =>
            s3.send(new UploadPartCommand({ ...target, UploadId: uploadId, PartNumber: index + 1, Body: body, ContentLength: body.length })),
          );
          if (!res.ETag) throw new Error(`UploadPart ${index + 1} returned no ETag`);
          parts.push({ PartNumber: index + 1, ETag: res.ETag, ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}) });
        }
      };
      // Every worker finishes (a failure stops the others at their next part) before the file closes.
      const settled = await Promise.allSettled(
        Array.from({ length: Math.min(plan.queueSize, count) }, () =>
          worker().catch((err: unknown) => {
            failed = true;
            throw err;
          }),
        ),
      );
      const failure = settled.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
      parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await withRetries('CompleteMultipartUpload', retry, () =>
        s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId: uploadId, MultipartUpload: { Parts: parts }, IfNoneMatch: '*' })),
      );
      events.closed?.();
    } catch (err) {
      // Leave no orphaned parts (they are billed) whatever went wrong; the original error is what matters.
      // A failed abort stays "open" for the post step of a cancelled job (and the bucket's lifecycle rule).
      if ((await abortMultipartUpload(s3, { bucket: file.bucket, key: file.key, uploadId })) === 'aborted') events.closed?.();
      throw err;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Aborts an open multipart upload, within `timeoutMs` (a cancelled job has seconds): 'aborted' also
 * when S3 no longer knows it (NoSuchUpload: already completed or aborted), 'failed' otherwise.
 */
export async function abortMultipartUpload(s3: S3Client, upload: OpenMultipartUpload, timeoutMs = 5000): Promise<'aborted' | 'failed'> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    return 'aborted';
  } catch (err) {
    return (err as { name?: string }).name === 'NoSuchUpload' ? 'aborted' : 'failed';
  }
}
