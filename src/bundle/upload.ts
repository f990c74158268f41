// Content-addressed upload: the key is <prefix>/<sha256>.zip, so the same bundle always lands on
// the same key and a re-run uploads nothing. A key is never overwritten: HeadObject first, then
// `If-None-Match: *` on the write, then a check that what is stored is what was meant.
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateStorageLocationCommand, type ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { BundleFile } from './zip.js';
import { uploadFile, type MultipartEvents } from './multipart.js';
import type { Logger } from '../engine/logger.js';
import { DeployFailedError } from '../config/errors.js';
import { errorName, withRetries, type RetryContext } from '../aws/retry.js';

export interface UploadResult {
  bucket: string;
  key: string;
  sha256: string;
  uploadedBytes: number;
  size: number;
}

// At most 4 × 8 MiB of part buffers in memory, whatever the bundle's size.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export function bundleKey(prefix: string, sha256: string): string {
  return `${prefix}/${sha256}.zip`;
}

/** EB's own bucket (elasticbeanstalk-<region>-<account>), created on first use. */
export async function defaultBucket(eb: ElasticBeanstalkClient, ctx: RetryContext): Promise<string> {
  const res = await withRetries('CreateStorageLocation', ctx, () => eb.send(new CreateStorageLocationCommand({})));
  if (!res.S3Bucket) throw new Error('CreateStorageLocation returned no bucket');
  return res.S3Bucket;
}

interface StoredObject {
  size: number;
  sha256: string | undefined;
}

async function headObject(s3: S3Client, bucket: string, key: string, ctx: RetryContext): Promise<StoredObject | undefined> {
  try {
    const res = await withRetries('HeadObject', ctx, () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    return { size: res.ContentLength ?? -1, sha256: res.Metadata?.sha256 };
  } catch (err) {
    if (errorName(err) === 'NotFound' || errorName(err) === 'NoSuchKey') return undefined;
    // A HEAD answer has no body: a 403 reaches the SDK as UnknownError. S3 answers 403, not 404, for a
    // key that does not exist unless the caller has s3:ListBucket (S3 API reference, HeadObject).
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) {
      throw new DeployFailedError(
        `HeadObject s3://${bucket}/${key} was refused (403 AccessDenied): the role needs s3:GetObject on the bundle's key and s3:ListBucket on the bucket ${bucket} (docs/iam-policy.json, statements BundleObjects and BundleBucket)`,
      );
    }
    throw err;
  }
}

function sameContent(stored: StoredObject, bundle: BundleFile): boolean {
  return stored.size === bundle.size && stored.sha256 === bundle.sha256;
}

function clash(bucket: string, key: string, stored: StoredObject): DeployFailedError {
  return new DeployFailedError(
    `s3://${bucket}/${key} already exists with different content (size ${stored.size}, sha256 ${stored.sha256 ?? 'unknown'}); refusing to overwrite it`,
  );
}

export async function uploadBundle(
  deps: { s3: S3Client; log: Logger; retry: RetryContext },
  bundle: BundleFile,
  bucket: string,
  prefix: string,
  events: MultipartEvents = {},
): Promise<UploadResult> {
  const key = bundleKey(prefix, bundle.sha256);
  const result = { bucket, key, sha256: bundle.sha256, size: bundle.size };
  const existing = await headObject(deps.s3, bucket, key, deps.retry);
  if (existing) {
    if (!sameContent(existing, bundle)) throw clash(bucket, key, existing);
    deps.log.info(`s3://${bucket}/${key} already holds this bundle (${bundle.size} bytes): nothing to upload`);
    return { ...result, uploadedBytes: 0 };
  }
  deps.log.info(`uploading ${bundle.size} bytes to s3://${bucket}/${key}`);
  const started = deps.retry.clock.now();
  try {
    await uploadFile(
      deps.s3,
      { bucket, key, path: bundle.path, size: bundle.size, contentType: 'application/zip', metadata: { sha256: bundle.sha256 } },
      { partSize: PART_SIZE, queueSize: QUEUE_SIZE },
      deps.retry,
      events,
    );
  } catch (err) {
    // Someone stored the key between our HeadObject and the write: fine if it is the same bytes.
    if (errorName(err) !== 'PreconditionFailed') throw err;
    const raced = await headObject(deps.s3, bucket, key, deps.retry);
    if (!raced || !sameContent(raced, bundle)) throw raced ? clash(bucket, key, raced) : err;
    deps.log.info(`s3://${bucket}/${key} was stored meanwhile by another run with the same content`);
    return { ...result, uploadedBytes: 0 };
  }
  const stored = await headObject(deps.s3, bucket, key, deps.retry);
  if (!stored || !sameContent(stored, bundle))
    throw new Error(`upload verification failed: s3://${bucket}/${key} holds ${stored?.size ?? 'nothing'} bytes with sha256 ${stored?.sha256 ?? 'unknown'}`);
  const seconds = Math.max(0.001, (deps.retry.clock.now() - started) / 1000);
  deps.log.info(`uploaded ${bundle.size} bytes in ${seconds.toFixed(1)} s (${(bundle.size / 1048576 / seconds).toFixed(1)} MiB/s), verified`);
  return { ...result, uploadedBytes: bundle.size };
}
