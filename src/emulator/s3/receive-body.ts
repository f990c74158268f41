// Streams an object body from the request to a file: aws-chunked framing removed, MD5 and any
// requested flexible checksums computed on the way, then checked against Content-MD5,
// x-amz-checksum-* headers and trailers. Nothing is held in memory beyond a stream buffer.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder, isAwsChunked } from './chunked.js';
import { CHECKSUM_ALGORITHMS, checksumHeader, createHasher, parseChecksumAlgorithm } from './checksums.js';
import type { ChecksumAlgorithm, Hasher } from './checksums.js';
import { S3Error, badDigest } from './errors.js';
import { checkPayloadSha256, payloadHasher } from '../auth/payload.js';
import { header } from '../http-header.js';

export interface ReceivedBody {
  size: number;
  md5Hex: string;
  /** The flexible checksum of the body, when the client sent or asked for one. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

class HashingMeter extends Transform {
  size = 0;
  readonly md5 = createHasher('MD5');
  constructor(
    readonly checksums: Map<ChecksumAlgorithm, Hasher>,
    private readonly onBytes: (n: number) => void,
    /** SHA-256 of the body when its signed x-amz-content-sha256 must be checked. */
    readonly payloadSha256?: ReturnType<typeof payloadHasher>,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.onBytes(chunk.length);
    this.md5.update(chunk);
    this.payloadSha256?.update(chunk);
    for (const hasher of this.checksums.values()) hasher.update(chunk);
    callback(null, chunk);
  }
}

/** Which checksum algorithm the request declares (header value, trailer or algorithm header). */
export function requestedChecksumAlgorithm(req: IncomingMessage, fallback?: ChecksumAlgorithm): ChecksumAlgorithm | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) if (header(req, checksumHeader(algorithm)) !== undefined) return algorithm;
  const trailer = header(req, 'x-amz-trailer');
  if (trailer) {
    const algorithm = parseChecksumAlgorithm(trailer.replace(/^x-amz-checksum-/i, ''));
    if (!algorithm) throw new S3Error('InvalidRequest', 400, `Unsupported trailer "${trailer}": expected x-amz-checksum-<algorithm>`);
    return algorithm;
  }
  const declared = header(req, 'x-amz-sdk-checksum-algorithm') ?? header(req, 'x-amz-checksum-algorithm');
  if (declared) {
    const algorithm = parseChecksumAlgorithm(declared);
    if (!algorithm) {
      throw new S3Error('InvalidRequest', 400, `Checksum algorithm "${declared}" is not one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
    }
    return algorithm;
  }
  return fallback;
}

export async function receiveBody(
  req: IncomingMessage,
  filePath: string,
  options: { onBytes: (n: number) => void; defaultAlgorithm?: ChecksumAlgorithm },
): Promise<ReceivedBody> {
  const algorithm = requestedChecksumAlgorithm(req, options.defaultAlgorithm);
  const hashers = new Map<ChecksumAlgorithm, Hasher>();
  if (algorithm) hashers.set(algorithm, createHasher(algorithm));
  const meter = new HashingMeter(hashers, options.onBytes, payloadHasher(req));
  const chunked = isAwsChunked(req.headers);
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  try {
    if (decoder) await pipeline(req, decoder, meter, createWriteStream(filePath));
    else await pipeline(req, meter, createWriteStream(filePath));
  } catch (error) {
    await rm(filePath, { force: true });
    if (error instanceof S3Error) throw error;
    throw new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header');
  }
  try {
    const decodedLength = header(req, 'x-amz-decoded-content-length');
    if (chunked && decodedLength !== undefined && Number(decodedLength) !== meter.size) {
      throw new S3Error(
        'IncompleteBody',
        400,
        `The aws-chunked body held ${meter.size} bytes but x-amz-decoded-content-length says ${decodedLength}`,
      );
    }
    checkPayloadSha256(req, meter.payloadSha256);
    const md5 = meter.md5.digest();
    const contentMd5 = header(req, 'content-md5');
    if (contentMd5 !== undefined) {
      if (!/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
        throw new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
      }
      if (contentMd5 !== md5.toString('base64')) throw badDigest('MD5');
    }
    const result: ReceivedBody = { size: meter.size, md5Hex: md5.toString('hex') };
    if (algorithm) {
      const value = hashers.get(algorithm)!.digest().toString('base64');
      const name = checksumHeader(algorithm);
      const claimed = header(req, name) ?? decoder?.trailers.get(name);
      if (claimed !== undefined && claimed !== value) throw badDigest(algorithm);
      if (claimed === undefined && header(req, 'x-amz-trailer') !== undefined) {
        throw new S3Error('IncompleteBody', 400, `The request declared the trailer ${name} but did not send it`);
      }
      result.checksum = { algorithm, value };
    }
    return result;
  } catch (error) {
    await rm(filePath, { force: true });
    throw error;
  }
}
