// The flexible checksums S3 accepts (`x-amz-checksum-<algorithm>`), computed incrementally so that
// bodies are hashed while they stream to disk. CRC32 comes from zlib (Node 22+); CRC32C and
// CRC64NVME are small table-driven implementations (reflected polynomials, as S3 and the SDK use).
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface Hasher {
  update(chunk: Buffer): void;
  digest(): Buffer;
}

export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.trim().toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** Element name in XML documents, e.g. ChecksumCRC32. */
export function checksumElement(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

class Crc32Hasher implements Hasher {
  private value = 0;
  update(chunk: Buffer): void {
    this.value = crc32(chunk, this.value);
  }
  digest(): Buffer {
    return uint32(this.value);
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

class Crc32cHasher implements Hasher {
  private crc = 0xffffffff;
  update(chunk: Buffer): void {
    let crc = this.crc;
    for (let i = 0; i < chunk.length; i++) crc = CRC32C_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
    this.crc = crc >>> 0;
  }
  digest(): Buffer {
    return uint32(this.crc ^ 0xffffffff);
  }
}

// CRC-64/NVME (reflected poly 0x9a6c9329ac4bc9b5) kept as two 32-bit halves: BigInt per byte
// would be two orders of magnitude slower.
const CRC64_TABLE = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? poly ^ (c >> 1n) : c >> 1n;
    lo[n] = Number(c & 0xffffffffn);
    hi[n] = Number(c >> 32n);
  }
  return { lo, hi };
})();

class Crc64NvmeHasher implements Hasher {
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  update(chunk: Buffer): void {
    let { lo, hi } = this;
    const tLo = CRC64_TABLE.lo;
    const tHi = CRC64_TABLE.hi;
    for (let i = 0; i < chunk.length; i++) {
      const index = (lo ^ chunk[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ tLo[index]!) >>> 0;
      hi = ((hi >>> 8) ^ tHi[index]!) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
  }
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}

export function createHasher(algorithm: ChecksumAlgorithm | 'MD5'): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Hasher();
    case 'CRC32C':
      return new Crc32cHasher();
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
    case 'SHA1':
    case 'SHA256':
    case 'MD5':
      return createHash(algorithm.toLowerCase());
  }
}

/** Checksum of a whole buffer, base64 as S3 puts it in headers. */
export function checksumOf(algorithm: ChecksumAlgorithm | 'MD5', data: Buffer): string {
  const hasher = createHasher(algorithm);
  hasher.update(data);
  return hasher.digest().toString('base64');
}

/** Checksum S3 gives a multipart object by default: the checksum of the parts' raw checksums, "-N". */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksumsBase64: readonly string[]): string {
  const joined = Buffer.concat(partChecksumsBase64.map((c) => Buffer.from(c, 'base64')));
  return `${checksumOf(algorithm, joined)}-${partChecksumsBase64.length}`;
}

/** CRC64NVME only exists as a full-object checksum; the others default to composite. */
export function defaultChecksumType(algorithm: ChecksumAlgorithm): ChecksumType {
  return algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
}
