// Deterministic bundles: the same directory content always gives the same zip bytes, so the
// sha256 (and with it the S3 key and the default version label) only changes when content does.
// Entries are sorted, times are fixed (DOS time only: no extended timestamp that would carry the
// time zone), and modes are normalised to 0644, or 0755 when any execute bit is set.
//
// A bundle is the directory and nothing else. A symlink is followed only when what it resolves to
// is inside the bundle directory; one that leaves it (to /etc/passwd, ../.git/config,
// /proc/self/environ) is refused, naming the link, as are FIFOs, sockets and devices (a FIFO would
// block the zipper forever), dangling links and link loops. `.git` is left out at every depth (a
// submodule's `.git` is a file). Every refusal is a ConfigurationError: one clear line, no stack.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import yazl from 'yazl';
import { ConfigurationError, errorMessage } from '../config/errors.js';

// Local midnight, so the DOS date yazl encodes (in local time) is 1980-01-01 00:00 in every zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
// .git holds history (and, in .git/config, often a token), not the application; EB never needs it.
const SKIPPED_NAMES = new Set(['.git']);
// Kernel views, not files: reading /proc/self/environ would ship the job's secrets.
const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

export interface BundleFile {
  path: string;
  sha256: string;
  size: number;
}

interface Entry {
  name: string;
  /** The resolved path that is read (a followed link's target). */
  fullPath: string;
  kind: 'file' | 'dir';
  executable: boolean;
}

interface Walk {
  /** The bundle directory as given, and as resolved (what "inside" is measured against). */
  root: string;
  realRoot: string;
  /** Resolved directories from the root down to where the walk is: a link to one of them loops. */
  ancestors: Set<string>;
}

function refused(what: string): ConfigurationError {
  return new ConfigurationError(`input "bundle" is invalid: ${what}`);
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function underPseudoFilesystem(path: string): boolean {
  return PSEUDO_FILESYSTEMS.some((p) => isInside(path, p));
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file or directory';
}

/** Where the link `name` leads, once it is known to stay inside the bundle. */
async function followLink(walk: Walk, name: string, fullPath: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(fullPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused(`symlink "${name}" never resolves: it is part of a symlink loop`);
    if (code === 'ENOENT') throw refused(`symlink "${name}" points at something that does not exist`);
    throw refused(`symlink "${name}" cannot be resolved: ${errorMessage(err)}`);
  }
  if (!isInside(real, walk.realRoot)) {
    const special = underPseudoFilesystem(real) ? ', a special file' : '';
    throw refused(
      `symlink "${name}" points outside the bundle directory (to ${real}${special}); a bundle holds only the ` +
        "directory's own files: copy what it needs into it (e.g. cp -L) instead of linking",
    );
  }
  if (relative(walk.realRoot, real).split(sep).some((part) => SKIPPED_NAMES.has(part)))
    throw refused(`symlink "${name}" points into .git, which a bundle never holds`);
  return real;
}

async function listEntries(walk: Walk, rel: string, realDir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const dirents = await readdir(join(walk.root, rel), { withFileTypes: true });
  for (const d of dirents) {
    if (SKIPPED_NAMES.has(d.name)) continue;
    const name = rel ? `${rel}/${d.name}` : d.name;
    let fullPath = join(walk.root, name);
    let real = join(realDir, d.name);
    let s = await lstat(fullPath);
    if (s.isSymbolicLink()) {
      real = await followLink(walk, name, fullPath);
      fullPath = real;
      s = await stat(real);
      if (s.isDirectory() && walk.ancestors.has(real)) {
        const target = relative(walk.realRoot, real) || '.';
        throw refused(`symlink "${name}" points at "${target}", a directory that contains it: following it would loop forever`);
      }
    }
    if (s.isDirectory()) {
      walk.ancestors.add(real);
      const children = await listEntries(walk, name, real);
      walk.ancestors.delete(real);
      if (!children.length) out.push({ name, fullPath, kind: 'dir', executable: false });
      out.push(...children);
    } else if (s.isFile()) {
      out.push({ name, fullPath, kind: 'file', executable: (s.mode & 0o111) !== 0 });
    } else {
      throw refused(`"${name}" is ${kindOf(s)}; a bundle holds only files, directories and symlinks to them inside it`);
    }
  }
  return out;
}

/** Every file and empty directory to zip, or the one reason the directory is not a bundle. */
async function listBundle(dir: string): Promise<Entry[]> {
  const realRoot = await realpath(dir);
  if (underPseudoFilesystem(realRoot)) throw refused(`"${dir}" is under ${realRoot}, not a directory of files`);
  try {
    return await listEntries({ root: dir, realRoot, ancestors: new Set([realRoot]) }, '', realRoot);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw refused(`cannot read "${dir}": ${errorMessage(err)}`);
  }
}

function byteOrder(a: Entry, b: Entry): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/** Zips `dir` into `outFile`, hashing the bytes as they are written (one pass, constant memory). */
export async function zipDirectory(dir: string, outFile: string): Promise<BundleFile> {
  const entries = (await listBundle(dir)).sort(byteOrder);
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
  // yazl reports a file it cannot read on the ZipFile, not on its stream: end the stream with it.
  zip.on('error', (err: Error) => (zip.outputStream as Readable).destroy(err));
  try {
    await pipeline(zip.outputStream, tee, createWriteStream(outFile));
  } catch (err) {
    await rm(outFile, { force: true });
    throw refused(`zipping "${dir}" failed: ${errorMessage(err)}`);
  }
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
