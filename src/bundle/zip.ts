// Deterministic bundles: the same directory content always gives the same zip bytes, so the
// sha256 (and with it the S3 key and the default version label) only changes when content does.
// Entries are sorted, times are fixed (DOS time only: no extended timestamp that would carry the
// time zone), and modes are normalised to 0644, or 0755 when any execute bit is set.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yazl from 'yazl';
import { ConfigurationError } from '../config/errors.js';

// Local midnight, so the DOS date yazl encodes (in local time) is 1980-01-01 00:00 in every zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
// .git holds history, not the application; EB never needs it.
const SKIPPED_DIRS = new Set(['.git']);

export interface BundleFile {
  path: string;
  sha256: string;
  size: number;
}

interface Entry {
  name: string;
  fullPath: string;
  kind: 'file' | 'dir';
  executable: boolean;
}

async function listEntries(root: string, rel = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  const dirents = await readdir(join(root, rel), { withFileTypes: true });
  for (const d of dirents) {
    const name = rel ? `${rel}/${d.name}` : d.name;
    const fullPath = join(root, name);
    // Symlinks are followed: the zip holds what the link points at.
    const s = await stat(fullPath);
    if (s.isDirectory()) {
      if (SKIPPED_DIRS.has(d.name) && !rel) continue;
      const children = await listEntries(root, name);
      if (!children.length) out.push({ name, fullPath, kind: 'dir', executable: false });
      out.push(...children);
    } else if (s.isFile()) {
      out.push({ name, fullPath, kind: 'file', executable: (s.mode & 0o111) !== 0 });
    }
  }
  return out;
}

function byteOrder(a: Entry, b: Entry): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/** Zips `dir` into `outFile`, hashing the bytes as they are written (one pass, constant memory). */
export async function zipDirectory(dir: string, outFile: string): Promise<BundleFile> {
  const entries = (await listEntries(dir)).sort(byteOrder);
  if (!entries.length) throw new ConfigurationError(`input "bundle" is invalid ("${dir}"): expected a directory with files in it`);
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.kind === 'dir') {
      zip.addEmptyDirectory(e.name, { mtime: FIXED_MTIME, mode: 0o40755, forceDosTimestamp: true });
    } else {
      zip.addFile(e.fullPath, e.name, {
        mtime: FIXED_MTIME,
        mode: e.executable ? 0o100755 : 0o100644,
        forceDosTimestamp: true,
        compress: true,
      });
    }
  }
  zip.end();
  const hash = createHash('sha256');
  let size = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: (err: null, data: Buffer) => void) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(zip.outputStream, tee, createWriteStream(outFile));
  return { path: outFile, sha256: hash.digest('hex'), size };
}

/** Checks that a given .zip really is one and hashes it. */
export async function hashZipFile(file: string): Promise<BundleFile> {
  const fh = await open(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    await fh.read(magic, 0, 4, 0);
    if (magic.readUInt32LE(0) !== 0x04034b50 && magic.readUInt32LE(0) !== 0x06054b50)
      throw new ConfigurationError(`input "bundle" is invalid ("${file}"): expected a zip file (it does not start with a zip header)`);
  } finally {
    await fh.close();
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path: file, sha256: hash.digest('hex'), size };
}

/** A directory is zipped into `workDir`; a .zip is used as it is. */
export async function prepareBundle(bundlePath: string, workDir: string): Promise<BundleFile> {
  const s = await stat(bundlePath);
  return s.isDirectory() ? zipDirectory(bundlePath, join(workDir, 'bundle.zip')) : hashZipFile(bundlePath);
}
