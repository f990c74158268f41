// Multipart operations: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads.
import { checksumElement, checksumHeader, defaultChecksumType, parseChecksumAlgorithm } from './checksums.js';
import type { RequestContext } from './context.js';
import { objectHeadersFrom, readSmallBody, sendEmpty, sendXml, verifySmallBody, xmlDate } from './context.js';
import { header } from '../http-header.js';
import { S3Error, invalidArgument, malformedXml } from './errors.js';
import type { RequestedPart, Upload } from './multipart-store.js';
import { writeConditions } from './object-handlers.js';
import { receiveBody } from './receive-body.js';
import { checkWriteConditions } from './store.js';
import { childElements, childText, readS3Body, s3Document } from './xml.js';

function uploadOf(ctx: RequestContext): Upload {
  ctx.store.bucket(ctx.bucket);
  return ctx.uploads.get(ctx.query.get('uploadId') ?? '', ctx.bucket, ctx.key);
}

export async function createMultipartUpload(ctx: RequestContext): Promise<void> {
  ctx.store.bucket(ctx.bucket);
  const declared = header(ctx.req, 'x-amz-checksum-algorithm');
  const algorithm = declared === undefined ? undefined : parseChecksumAlgorithm(declared);
  if (declared !== undefined && !algorithm) {
    throw invalidArgument('Checksum algorithm provided is unsupported.', 'x-amz-checksum-algorithm', declared);
  }
  const typeHeader = header(ctx.req, 'x-amz-checksum-type')?.toUpperCase();
  if (typeHeader !== undefined && typeHeader !== 'COMPOSITE' && typeHeader !== 'FULL_OBJECT') {
    throw invalidArgument('Value for x-amz-checksum-type header is invalid.', 'x-amz-checksum-type', typeHeader);
  }
  const type = (typeHeader) ?? (algorithm && defaultChecksumType(algorithm));
  const upload = await ctx.uploads.create(ctx.bucket, ctx.key, objectHeadersFrom(ctx.req), algorithm && type ? { algorithm, type } : undefined);
  if (upload.checksum) {
    ctx.res.setHeader('x-amz-checksum-algorithm', upload.checksum.algorithm);
    ctx.res.setHeader('x-amz-checksum-type', upload.checksum.type);
  }
  sendXml(
    ctx.res,
    200,
    s3Document('InitiateMultipartUploadResult', { Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.id }),
  );
}

function parsePartNumber(raw: string | null): number {
  if (raw === null || !/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10000) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw ?? '');
  }
  return Number(raw);
}

export async function uploadPart(ctx: RequestContext): Promise<void> {
  const number = parsePartNumber(ctx.query.get('partNumber'));
  const upload = uploadOf(ctx);
  const temp = ctx.store.tempPath();
  const body = await receiveBody(ctx.req, temp, {
    onBytes: ctx.onBytes,
    ...(upload.checksum && { defaultAlgorithm: upload.checksum.algorithm }),
  });
  if (upload.checksum && body.checksum && body.checksum.algorithm !== upload.checksum.algorithm) {
    throw new S3Error(
      'InvalidRequest',
      400,
      `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksum.algorithm.toLowerCase()}, actual checksum Type: ${body.checksum.algorithm.toLowerCase()}`,
    );
  }
  const part = await ctx.uploads.putPart(upload, number, temp, body);
  const headers: Record<string, string> = { etag: part.etag };
  if (body.checksum) headers[checksumHeader(body.checksum.algorithm)] = body.checksum.value;
  sendEmpty(ctx.res, 200, headers);
}

export async function completeMultipartUpload(ctx: RequestContext): Promise<void> {
  const upload = uploadOf(ctx);
  const body = await readSmallBody(ctx.req);
  verifySmallBody(ctx.req, body);
  const checksumName = upload.checksum && checksumElement(upload.checksum.algorithm);
  const requested: RequestedPart[] = readS3Body(body, 'CompleteMultipartUpload', ['CompleteMultipartUpload.Part'], (root) =>
    childElements(root, 'Part').map((part) => {
      const number = childText(part, 'PartNumber')?.trim();
      const etag = childText(part, 'ETag')?.trim();
      if (number === undefined || !/^\d+$/.test(number) || etag === undefined) {
        throw malformedXml('each <Part> needs a numeric <PartNumber> and an <ETag>');
      }
      const checksum = checksumName ? childText(part, checksumName)?.trim() : undefined;
      return { number: Number(number), etag, ...(checksum !== undefined && { checksum }) };
    }),
  );
  const conditions = writeConditions(ctx);
  const failed = checkWriteConditions(ctx.store.bucket(ctx.bucket).objects.get(ctx.key), ctx.key, conditions);
  if (failed) throw failed;
  const meta = await ctx.uploads.complete(upload, requested, ctx.store, conditions);
  const location = `http://${header(ctx.req, 'host') ?? 'localhost'}/${ctx.bucket}/${encodeURI(ctx.key)}`;
  sendXml(
    ctx.res,
    200,
    s3Document('CompleteMultipartUploadResult', {
      Location: location,
      Bucket: ctx.bucket,
      Key: ctx.key,
      ETag: meta.etag,
      ...(meta.checksum && { [checksumElement(meta.checksum.algorithm)]: meta.checksum.value, ChecksumType: meta.checksum.type }),
    }),
  );
}

export async function abortMultipartUpload(ctx: RequestContext): Promise<void> {
  await ctx.uploads.abort(uploadOf(ctx));
  sendEmpty(ctx.res, 204);
}

export function listParts(ctx: RequestContext): void {
  const upload = uploadOf(ctx);
  const marker = Number(ctx.query.get('part-number-marker') ?? '0');
  const maxParts = Math.min(Number(ctx.query.get('max-parts') ?? '1000') || 1000, 1000);
  const all = [...upload.parts.values()].sort((a, b) => a.number - b.number).filter((p) => p.number > marker);
  const page = all.slice(0, maxParts);
  const checksumName = upload.checksum && checksumElement(upload.checksum.algorithm);
  sendXml(
    ctx.res,
    200,
    s3Document('ListPartsResult', {
      Bucket: ctx.bucket,
      Key: ctx.key,
      UploadId: upload.id,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.number,
      MaxParts: maxParts,
      IsTruncated: all.length > page.length,
      ChecksumAlgorithm: upload.checksum?.algorithm,
      ChecksumType: upload.checksum?.type,
      Part: page.map((p) => ({
        PartNumber: p.number,
        LastModified: xmlDate(p.lastModified),
        ETag: p.etag,
        ...(checksumName && p.checksum !== undefined && { [checksumName]: p.checksum }),
        Size: p.size,
      })),
      StorageClass: 'STANDARD',
    }),
  );
}

export function listMultipartUploads(ctx: RequestContext): void {
  ctx.store.bucket(ctx.bucket);
  const prefix = ctx.query.get('prefix') ?? '';
  const uploads = ctx.uploads.list(ctx.bucket).filter((u) => u.key.startsWith(prefix));
  sendXml(
    ctx.res,
    200,
    s3Document('ListMultipartUploadsResult', {
      Bucket: ctx.bucket,
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads.map((u) => ({ Key: u.key, UploadId: u.id, Initiated: xmlDate(u.initiated), StorageClass: 'STANDARD' })),
    }),
  );
}
