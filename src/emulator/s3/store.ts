// Disk store for buckets and objects. Layout under dataDir:
//   buckets/<bucket>/bucket.json            creation date
//   buckets/<bucket>/meta/<sha256(key)>.json object metadata sidecar (holds the key itself)
//   buckets/<bucket>/data/<uuid>            object bytes; a new file per write, so readers that
//                                           already opened the old one keep reading it intact
//   tmp/                                    bodies being received, multipart parts
// The index lives in memory (loaded at start); every change is written through to the sidecars.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChecksumAlgorithm, ChecksumType } from './checksums.js';
import { S3Error, noSuchBucket, noSuchKey, preconditionFailed } from './errors.js';

export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted, as S3 returns it: "<md5>" or "<md5 of part md5s>-<parts>". */
  etag: string;
  lastModified: string;
  contentType: string;
  /** Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires as sent. */
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: ChecksumType };
  partsCount?: number;
  dataFile: string;
}

interface Bucket {
  name: string;
  created: string;
  objects: Map<string, ObjectMeta>;
  sortedKeys?: string[] | undefined;
  persisting: Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: name });
  }
}

/** S3 orders keys by their UTF-8 bytes, which differs from JS string order for astral characters. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  readonly tmpDir: string;

  constructor(private readonly dataDir: string) {
    this.tmpDir = join(dataDir, 'tmp');
  }

  async load(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    const root = join(this.dataDir, 'buckets');
    await mkdir(root, { recursive: true });
    for (const name of await readdir(root)) {
      const info = await readJson<{ created: string }>(join(root, name, 'bucket.json'));
      if (!info) continue; // a bucket whose creation never finished
      const bucket: Bucket = { name, created: info.created, objects: new Map(), persisting: Promise.resolve() };
      for (const file of await readdir(join(root, name, 'meta')).catch(() => [] as string[])) {
        if (!file.endsWith('.json')) continue;
        const meta = await readJson<ObjectMeta>(join(root, name, 'meta', file));
        if (meta) bucket.objects.set(meta.key, meta);
      }
      this.buckets.set(name, bucket);
    }
  }

  /** A fresh path for a body being received; move it in with putObject or remove it. */
  tempPath(): string {
    return join(this.tmpDir, randomUUID());
  }

  private bucketDir(name: string): string {
    return join(this.dataDir, 'buckets', name);
  }

  bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  listBuckets(): { name: string; created: string }[] {
    return [...this.buckets.values()].map((b) => ({ name: b.name, created: b.created })).sort((a, b) => compareKeys(a.name, b.name));
  }

  /** Returns false when the bucket already existed (BucketAlreadyOwnedByYou: fine in us-east-1). */
  async createBucket(name: string): Promise<boolean> {
    validateBucketName(name);
    if (this.buckets.has(name)) return false;
    const bucket: Bucket = { name, created: new Date().toISOString(), objects: new Map(), persisting: Promise.resolve() };
    this.buckets.set(name, bucket);
    const dir = this.bucketDir(name);
    await mkdir(join(dir, 'meta'), { recursive: true });
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'bucket.json'), JSON.stringify({ created: bucket.created }));
    return true;
  }

  async deleteBucket(name: string): Promise<void> {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) {
      throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: name });
    }
    this.buckets.delete(name);
    await bucket.persisting;
    await rm(this.bucketDir(name), { recursive: true, force: true });
  }

  getObject(bucketName: string, key: string): ObjectMeta {
    const meta = this.bucket(bucketName).objects.get(key);
    if (!meta) throw noSuchKey(key);
    return meta;
  }

  dataPath(bucketName: string, meta: ObjectMeta): string {
    return join(this.bucketDir(bucketName), 'data', meta.dataFile);
  }

  /** Keys in S3 order (UTF-8 byte order), cached until the next change. */
  sortedKeys(bucketName: string): string[] {
    const bucket = this.bucket(bucketName);
    bucket.sortedKeys ??= [...bucket.objects.keys()].sort(compareKeys);
    return bucket.sortedKeys;
  }

  /**
   * Moves a received file in as the object's data. The precondition check and the index update
   * happen in one synchronous step, so two racing `If-None-Match: *` writes cannot both win.
   */
  async putObject(
    bucketName: string,
    meta: Omit<ObjectMeta, 'dataFile' | 'lastModified'>,
    receivedPath: string,
    conditions: { ifNoneMatch?: string; ifMatch?: string } = {},
  ): Promise<ObjectMeta> {
    const bucket = this.bucket(bucketName);
    const dataFile = randomUUID();
    await rename(receivedPath, join(this.bucketDir(bucketName), 'data', dataFile));
    const existing = bucket.objects.get(meta.key);
    const failed = checkWriteConditions(existing, meta.key, conditions);
    if (this.buckets.get(bucketName) !== bucket || failed) {
      await rm(join(this.bucketDir(bucketName), 'data', dataFile), { force: true });
      throw failed ?? noSuchBucket(bucketName);
    }
    const stored: ObjectMeta = { ...meta, dataFile, lastModified: new Date().toISOString() };
    bucket.objects.set(meta.key, stored);
    bucket.sortedKeys = undefined;
    await this.persist(bucket, meta.key, existing);
    return stored;
  }

  async deleteObject(bucketName: string, key: string): Promise<void> {
    const bucket = this.bucket(bucketName);
    const existing = bucket.objects.get(key);
    if (!existing) return;
    bucket.objects.delete(key);
    bucket.sortedKeys = undefined;
    await this.persist(bucket, key, existing);
  }

  /** Writes the key's current sidecar (or removes it) and drops the replaced data file. */
  private persist(bucket: Bucket, key: string, replaced: ObjectMeta | undefined): Promise<void> {
    const dir = this.bucketDir(bucket.name);
    const sidecar = join(dir, 'meta', `${createHash('sha256').update(key).digest('hex')}.json`);
    // Serialised per bucket so that sidecar writes land in the order the index changed.
    bucket.persisting = bucket.persisting.then(async () => {
      const current = bucket.objects.get(key);
      if (current) {
        const temp = join(this.tmpDir, `${randomUUID()}.json`);
        await writeFile(temp, JSON.stringify(current));
        await rename(temp, sidecar);
      } else {
        await rm(sidecar, { force: true });
      }
      if (replaced && replaced.dataFile !== current?.dataFile) await rm(join(dir, 'data', replaced.dataFile), { force: true });
    });
    return bucket.persisting;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`S3 emulator: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** S3's conditional writes: `If-None-Match: *` (never overwrite) and `If-Match: <etag>`. */
export function checkWriteConditions(
  existing: ObjectMeta | undefined,
  key: string,
  conditions: { ifNoneMatch?: string; ifMatch?: string },
): S3Error | undefined {
  if (conditions.ifNoneMatch !== undefined) {
    if (conditions.ifNoneMatch.trim() !== '*') {
      return new S3Error('NotImplemented', 501, 'If-None-Match on writes only supports "*"', { Header: 'If-None-Match' });
    }
    if (existing) return preconditionFailed('If-None-Match');
  }
  if (conditions.ifMatch !== undefined) {
    if (!existing) return noSuchKey(key);
    if (!etagMatches(conditions.ifMatch, existing.etag)) return preconditionFailed('If-Match');
  }
  return undefined;
}

/** Matches an If-Match / If-None-Match list ("*" or comma separated, quotes optional). */
export function etagMatches(condition: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return condition.split(',').some((c) => {
    const item = c.trim().replace(/^W\//, '').replace(/"/g, '');
    return item === '*' || item === bare;
  });
}
