// The wire protocol below the SDK: aws-chunked framing (unsigned with trailers, signed chunks),
// digests that do not match, malformed bodies and requests. Each case checks the S3 error code and
// that the server keeps answering afterwards.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256, streamToBuffer, useS3Server } from './s3-support.js';

const s3 = useS3Server();
const BUCKET = 'wire-bucket';

beforeAll(async () => {
  await s3().client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(method: string, path: string, headers: Record<string, string | number> = {}, body?: Buffer | string): Promise<RawReply> {
  const url = new URL(path, s3().server.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function errorCode(reply: RawReply): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(reply.body)?.[1];
}

function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}

/** aws-chunked framing as the SDK writes it; `signed` adds chunk-signature extensions. */
function awsChunked(data: Buffer, chunkSize: number, options: { trailer?: string; signed?: boolean } = {}): Buffer {
  const signature = (): string => (options.signed ? `;chunk-signature=${randomBytes(32).toString('hex')}` : '');
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkSize) {
    const chunk = data.subarray(at, at + chunkSize);
    parts.push(Buffer.from(`${chunk.length.toString(16)}${signature()}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${signature()}\r\n`));
  if (options.trailer) parts.push(Buffer.from(`${options.trailer}\r\n`));
  if (options.trailer && options.signed) parts.push(Buffer.from(`x-amz-trailer-signature:${randomBytes(32).toString('hex')}\r\n`));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

async function stored(key: string): Promise<Buffer> {
  const got = await s3().client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return streamToBuffer(got.Body);
}

async function stillServing(): Promise<void> {
  const reply = await raw('GET', `/${BUCKET}?list-type=2`);
  expect(reply.status).toBe(200);
}

describe('S3 emulator wire: aws-chunked bodies', () => {
  const data = randomBytes(200_000);

  it('stores only the payload of an unsigned body with a CRC32 trailer', async () => {
    const reply = await raw(
      'PUT',
      `/${BUCKET}/unsigned`,
      {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': data.length,
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      awsChunked(data, 65_536, { trailer: `x-amz-checksum-crc32:${crc32Base64(data)}` }),
    );
    expect(reply.status).toBe(200);
    expect(reply.headers['x-amz-checksum-crc32']).toBe(crc32Base64(data));
    expect(sha256(await stored('unsigned'))).toBe(sha256(data));
  });

  it('stores only the payload of signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), with and without trailer', async () => {
    const signed = await raw(
      'PUT',
      `/${BUCKET}/signed`,
      { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': data.length },
      awsChunked(data, 8192, { signed: true }),
    );
    expect(signed.status).toBe(200);
    expect(sha256(await stored('signed'))).toBe(sha256(data));
    const withTrailer = await raw(
      'PUT',
      `/${BUCKET}/signed-trailer`,
      {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': data.length,
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      awsChunked(data, 8192, { signed: true, trailer: `x-amz-checksum-crc32:${crc32Base64(data)}` }),
    );
    expect(withTrailer.status).toBe(200);
    expect(sha256(await stored('signed-trailer'))).toBe(sha256(data));
  });

  it('answers BadDigest for a wrong trailer checksum and stores nothing', async () => {
    const reply = await raw(
      'PUT',
      `/${BUCKET}/corrupt`,
      { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32' },
      awsChunked(data, 65_536, { trailer: `x-amz-checksum-crc32:${crc32Base64(Buffer.from('something else'))}` }),
    );
    expect(reply.status).toBe(400);
    expect(errorCode(reply)).toBe('BadDigest');
    expect(reply.body).toContain('The CRC32 you specified did not match the calculated checksum.');
    expect((await raw('HEAD', `/${BUCKET}/corrupt`)).status).toBe(404);
  });

  it('answers IncompleteBody for broken framing, short bodies and wrong decoded lengths', async () => {
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD' };
    const framed = awsChunked(data, 65_536);
    const cases: [string, Record<string, string | number>, Buffer][] = [
      ['garbage size', headers, Buffer.from('zz\r\nhello\r\n0\r\n\r\n')],
      ['truncated', headers, framed.subarray(0, framed.length - 100)],
      ['chunk longer than declared', headers, Buffer.from('3\r\nhello\r\n0\r\n\r\n')],
      ['decoded length mismatch', { ...headers, 'x-amz-decoded-content-length': data.length + 1 }, framed],
      ['declared trailer missing', { ...headers, 'x-amz-trailer': 'x-amz-checksum-crc32' }, framed],
    ];
    for (const [name, caseHeaders, body] of cases) {
      const reply = await raw('PUT', `/${BUCKET}/broken`, caseHeaders, body);
      expect([name, reply.status, errorCode(reply)]).toEqual([name, 400, 'IncompleteBody']);
    }
    expect((await raw('HEAD', `/${BUCKET}/broken`)).status).toBe(404);
    await stillServing();
  });
});

describe('S3 emulator wire: digests on plain bodies', () => {
  it('verifies Content-MD5 and x-amz-checksum-* headers', async () => {
    const body = Buffer.from('plain body');
    const md5 = createHash('md5').update(body).digest('base64');
    expect((await raw('PUT', `/${BUCKET}/md5`, { 'content-md5': md5 }, body)).status).toBe(200);
    const wrongMd5 = await raw('PUT', `/${BUCKET}/md5`, { 'content-md5': createHash('md5').update('x').digest('base64') }, body);
    expect([wrongMd5.status, errorCode(wrongMd5)]).toEqual([400, 'BadDigest']);
    const invalidMd5 = await raw('PUT', `/${BUCKET}/md5`, { 'content-md5': 'not-base64' }, body);
    expect([invalidMd5.status, errorCode(invalidMd5)]).toEqual([400, 'InvalidDigest']);
    const wrongCrc = await raw('PUT', `/${BUCKET}/crc`, { 'x-amz-checksum-crc32': crc32Base64(Buffer.from('x')) }, body);
    expect([wrongCrc.status, errorCode(wrongCrc)]).toEqual([400, 'BadDigest']);
    const unknownAlgorithm = await raw('PUT', `/${BUCKET}/crc`, { 'x-amz-sdk-checksum-algorithm': 'MD4' }, body);
    expect([unknownAlgorithm.status, errorCode(unknownAlgorithm)]).toEqual([400, 'InvalidRequest']);
  });
});

describe('S3 emulator wire: malformed requests', () => {
  it('answers S3-shaped XML errors with Code, Message, Key and RequestId', async () => {
    const reply = await raw('GET', `/${BUCKET}/no/such/key`);
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('application/xml');
    expect(reply.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>no\/such\/key<\/Key>.*<RequestId>[0-9A-F]{16}<\/RequestId>.*<\/Error>$/,
    );
    expect(reply.headers['x-amz-request-id']).toBe(/<RequestId>([^<]*)/.exec(reply.body)?.[1]);
  });

  it('rejects bad XML for CompleteMultipartUpload and DeleteObjects with MalformedXML', async () => {
    const created = await raw('POST', `/${BUCKET}/mp?uploads`);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)?.[1];
    expect(uploadId).toBeTruthy();
    const bodies = [
      'not xml at all',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
      '<Other/>',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
    ];
    for (const body of bodies) {
      const reply = await raw('POST', `/${BUCKET}/mp?uploadId=${uploadId}`, {}, body);
      expect([body, reply.status, errorCode(reply)]).toEqual([body, 400, 'MalformedXML']);
    }
    for (const body of ['<Delete><Object><Key>a</Key></Object>', '<Delete></Delete>', '\u0000\u0001garbage']) {
      const reply = await raw('POST', `/${BUCKET}?delete`, {}, body);
      expect([body, reply.status, errorCode(reply)]).toEqual([body, 400, 'MalformedXML']);
    }
    const unknownUpload = await raw('POST', `/${BUCKET}/mp?uploadId=nope`, {}, '<CompleteMultipartUpload/>');
    expect([unknownUpload.status, errorCode(unknownUpload)]).toEqual([404, 'NoSuchUpload']);
    await stillServing();
  });

  it('answers NotImplemented for unsupported operations and MethodNotAllowed for wrong methods', async () => {
    for (const path of [`/${BUCKET}?cors`, `/${BUCKET}/key?tagging`, `/${BUCKET}?policy`, `/${BUCKET}/key?acl`]) {
      const reply = await raw('GET', path);
      expect([path, reply.status, errorCode(reply)]).toEqual([path, 501, 'NotImplemented']);
    }
    const patch = await raw('PATCH', `/${BUCKET}/key`, {}, 'x');
    expect([patch.status, errorCode(patch)]).toEqual([501, 'NotImplemented']);
    const post = await raw('POST', `/${BUCKET}/key`, {}, 'x');
    expect([post.status, errorCode(post)]).toEqual([405, 'MethodNotAllowed']);
    const badUri = await raw('GET', `/${BUCKET}/%E0%A4%A`);
    expect([badUri.status, errorCode(badUri)]).toEqual([400, 'InvalidURI']);
    const badMaxKeys = await raw('GET', `/${BUCKET}?list-type=2&max-keys=lots`);
    expect([badMaxKeys.status, errorCode(badMaxKeys)]).toEqual([400, 'InvalidArgument']);
    const badToken = await raw('GET', `/${BUCKET}?list-type=2&continuation-token=%%%`);
    expect([badToken.status, errorCode(badToken)]).toEqual([400, 'InvalidArgument']);
    const badPart = await raw('PUT', `/${BUCKET}/key?partNumber=0&uploadId=x`, {}, 'x');
    expect([badPart.status, errorCode(badPart)]).toEqual([400, 'InvalidArgument']);
    await stillServing();
  });

  it('survives garbage HTTP and clients that vanish mid-upload, leaving no temp files', async () => {
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(s3().server.port, '127.0.0.1', () => socket.write('\u0000\u0001 NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);

    await new Promise<void>((resolve) => {
      const req = request(new URL(`/${BUCKET}/vanished`, s3().server.endpoint), { method: 'PUT', headers: { 'content-length': 10_000_000 } });
      req.on('error', () => resolve());
      req.write(randomBytes(1_000_000), () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await raw('HEAD', `/${BUCKET}/vanished`)).status).toBe(404);

    expect((await raw('PUT', `/${BUCKET}/large`, {}, randomBytes(8_000_000))).status).toBe(200);
    await new Promise<void>((resolve, reject) => {
      const req = request(new URL(`/${BUCKET}/large`, s3().server.endpoint), (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
      req.end();
    });
    const leftovers = (await readdir(join(s3().dataDir, 'tmp'))).filter((name) => name !== 'uploads');
    expect(leftovers).toEqual([]);
    await stillServing();
  });
});
