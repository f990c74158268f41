// Decoder for `Content-Encoding: aws-chunked`, which SDK v3 uses by default for streamed bodies:
//   <hex size>[;chunk-signature=<sig>]\r\n<size bytes>\r\n ... 0[;chunk-signature=…]\r\n
//   [<trailer name>:<value>\r\n ...]\r\n
// Only the payload bytes go through; trailers (e.g. x-amz-checksum-crc32) are collected for the
// caller to verify. Chunk signatures are not checked (the emulator accepts any credentials).
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { S3Error } from './errors.js';

const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

function incomplete(why: string): S3Error {
  return new S3Error('IncompleteBody', 400, `The aws-chunked request body is malformed: ${why}`);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailer headers, lower-cased names, available once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = 'size';
  private line = Buffer.alloc(0);
  private remaining = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? null : incomplete(`the body ended while reading ${this.state}`));
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - offset);
          this.push(chunk.subarray(offset, offset + take));
          offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'data-end';
          break;
        }
        case 'done':
          // Bytes after the final CRLF: S3 ignores nothing here, a well-formed body has none.
          throw incomplete('unexpected bytes after the final chunk');
        default: {
          const end = chunk.indexOf(0x0a, offset);
          const piece = chunk.subarray(offset, end === -1 ? chunk.length : end + 1);
          offset += piece.length;
          this.line = this.line.length === 0 ? Buffer.from(piece) : Buffer.concat([this.line, piece]);
          if (this.line.length > MAX_LINE) throw incomplete('a chunk header or trailer line is too long');
          if (end !== -1) {
            const line = this.line;
            this.line = Buffer.alloc(0);
            if (line.length < 2 || line[line.length - 2] !== CRLF[0]) throw incomplete('a line does not end with CRLF');
            this.onLine(line.subarray(0, line.length - 2).toString('latin1'));
          }
        }
      }
    }
  }

  private onLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw incomplete('chunk data is longer than its declared size');
      this.state = 'size';
    } else if (this.state === 'size') {
      const sizeText = line.split(';', 1)[0]!.trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw incomplete(`bad chunk size "${sizeText.slice(0, 40)}"`);
      const size = parseInt(sizeText, 16);
      if (!Number.isSafeInteger(size)) throw incomplete('chunk size too large');
      if (size === 0) this.state = 'trailer';
      else {
        this.remaining = size;
        this.state = 'data';
      }
    } else if (this.state === 'trailer') {
      if (line === '') {
        this.state = 'done';
        return;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) throw incomplete(`bad trailer line "${line.slice(0, 80)}"`);
      this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
}

/** True when the request body is aws-chunked framed (signed or unsigned streaming payload). */
export function isAwsChunked(headers: { 'content-encoding'?: string | undefined; 'x-amz-content-sha256'?: string | undefined }): boolean {
  const sha = headers['x-amz-content-sha256'] ?? '';
  if (sha.startsWith('STREAMING-')) return true;
  return (headers['content-encoding'] ?? '')
    .split(',')
    .some((e) => e.trim().toLowerCase() === 'aws-chunked');
}
