// Multipart uploads in progress: parts are files under tmp/uploads/<uploadId>/, indexed in memory
// (an upload does not survive a restart, like an aborted upload). Completing validates the part
// list the way S3 does and concatenates the parts into a new object.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compositeChecksum, createHasher } from './checksums.js';
import type { ChecksumAlgorithm, ChecksumType } from './checksums.js';
import { S3Error, noSuchUpload } from './errors.js';
import type { ReceivedBody } from './receive-body.js';
import type { ObjectMeta, ObjectStore } from './store.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface Part {
  number: number;
  etag: string;
  size: number;
  md5Hex: string;
  checksum?: string;
  file: string;
  lastModified: string;
}

export interface Upload {
  id: string;
  bucket: string;
  key: string;
  initiated: string;
  objectHeaders: Pick<ObjectMeta, 'contentType' | 'headers' | 'userMetadata'>;
  checksum?: { algorithm: ChecksumAlgorithm; type: ChecksumType };
  parts: Map<number, Part>;
  dir: string;
}

export interface RequestedPart {
  number: number;
  etag: string;
  checksum?: string;
}

const invalidPart = (number: number, why: string): S3Error =>
  new S3Error(
    'InvalidPart',
    400,
    `One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. (part ${number}: ${why})`,
    { PartNumber: String(number) },
  );

export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly tmpDir: string) {}

  async create(bucket: string, key: string, objectHeaders: Upload['objectHeaders'], checksum?: Upload['checksum']): Promise<Upload> {
    const id = randomUUID().replace(/-/g, '');
    const dir = join(this.tmpDir, 'uploads', id);
    await mkdir(dir, { recursive: true });
    const upload: Upload = {
      id,
      bucket,
      key,
      initiated: new Date().toISOString(),
      objectHeaders,
      ...(checksum && { checksum }),
      parts: new Map(),
      dir,
    };
    this.uploads.set(id, upload);
    return upload;
  }

  get(id: string, bucket: string, key: string): Upload {
    const upload = this.uploads.get(id);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(id);
    return upload;
  }

  list(bucket: string): Upload[] {
    return [...this.uploads.values()].filter((u) => u.bucket === bucket);
  }

  hasUploadsIn(bucket: string): boolean {
    return this.list(bucket).length > 0;
  }

  async abortAllIn(bucket: string): Promise<void> {
    for (const upload of this.list(bucket)) await this.abort(upload);
  }

  async putPart(upload: Upload, number: number, receivedPath: string, body: ReceivedBody): Promise<Part> {
    const file = join(upload.dir, `${number}-${randomUUID()}`);
    await rename(receivedPath, file);
    if (this.uploads.get(upload.id) !== upload) {
      await rm(file, { force: true });
      throw noSuchUpload(upload.id);
    }
    const part: Part = {
      number,
      etag: `"${body.md5Hex}"`,
      size: body.size,
      md5Hex: body.md5Hex,
      ...(body.checksum && { checksum: body.checksum.value }),
      file,
      lastModified: new Date().toISOString(),
    };
    const replaced = upload.parts.get(number);
    upload.parts.set(number, part);
    if (replaced) await rm(replaced.file, { force: true });
    return part;
  }

  async abort(upload: Upload): Promise<void> {
    this.uploads.delete(upload.id);
    await rm(upload.dir, { recursive: true, force: true });
  }

  /** Checks the client's part list as S3 does, then assembles and stores the object. */
  async complete(
    upload: Upload,
    requested: readonly RequestedPart[],
    store: ObjectStore,
    conditions: { ifNoneMatch?: string; ifMatch?: string },
  ): Promise<ObjectMeta> {
    if (requested.length === 0) {
      throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema (no parts)');
    }
    const parts: Part[] = [];
    for (const [index, wanted] of requested.entries()) {
      const previous = requested[index - 1];
      if (previous && wanted.number <= previous.number) {
        throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.', {
          UploadId: upload.id,
        });
      }
      const part = upload.parts.get(wanted.number);
      if (!part) throw invalidPart(wanted.number, 'not uploaded');
      if (wanted.etag.replace(/"/g, '') !== part.md5Hex) throw invalidPart(wanted.number, `ETag ${wanted.etag} does not match`);
      if (wanted.checksum !== undefined && part.checksum !== undefined && wanted.checksum !== part.checksum) {
        throw invalidPart(wanted.number, 'checksum does not match');
      }
      parts.push(part);
    }
    for (const part of parts.slice(0, -1)) {
      if (part.size < MIN_PART_SIZE) {
        throw new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.', {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.number),
          ETag: part.etag,
        });
      }
    }
    const target = store.tempPath();
    const fullObject = upload.checksum?.type === 'FULL_OBJECT' ? createHasher(upload.checksum.algorithm) : undefined;
    await concatenate(parts, target, fullObject);
    const md5OfMd5s = createHasher('MD5');
    for (const part of parts) md5OfMd5s.update(Buffer.from(part.md5Hex, 'hex'));
    const checksum = objectChecksum(upload, parts, fullObject?.digest());
    const meta = await store.putObject(
      upload.bucket,
      {
        key: upload.key,
        size: parts.reduce((n, p) => n + p.size, 0),
        etag: `"${md5OfMd5s.digest().toString('hex')}-${parts.length}"`,
        ...upload.objectHeaders,
        ...(checksum && { checksum }),
        partsCount: parts.length,
      },
      target,
      conditions,
    );
    await this.abort(upload);
    return meta;
  }
}

function objectChecksum(upload: Upload, parts: readonly Part[], fullObject: Buffer | undefined): ObjectMeta['checksum'] {
  if (!upload.checksum) return undefined;
  const { algorithm, type } = upload.checksum;
  if (fullObject) return { algorithm, type, value: fullObject.toString('base64') };
  const partChecksums = parts.map((p) => p.checksum);
  if (partChecksums.some((c) => c === undefined)) return undefined;
  return { algorithm, type, value: compositeChecksum(algorithm, partChecksums as string[]) };
}

async function concatenate(parts: readonly Part[], target: string, hasher: ReturnType<typeof createHasher> | undefined): Promise<void> {
  async function* partBytes(): AsyncGenerator<Buffer> {
    for (const part of parts) {
      for await (const chunk of createReadStream(part.file) as AsyncIterable<Buffer>) {
        hasher?.update(chunk);
        yield chunk;
      }
    }
  }
  await pipeline(partBytes, createWriteStream(target));
}
