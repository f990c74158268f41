// Source bundles: downloaded from the emulated S3 over HTTP to a file, validated the way EB
// processes them, unpacked into an instance's directory. A bundle is never held whole in memory:
// the download is streamed to disk, processing reads the zip's central directory and only the small
// files EB reads (Procfile, .ebextensions/*.config, env.yaml), and extraction streams entry by entry.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import yauzl from 'yauzl';
import YAML from 'yaml';
import { DOCKERFILE_UNSUPPORTED, DockerrunError, parseDockerrun, type DockerrunV1 } from './dockerrun.js';
import type { OptionSetting } from './query-protocol.js';
import type { S3Fetch } from './auth/service-fetch.js';

/** A file in the bundle that processing read: its name and text. */
export interface ZipFileEntry {
  name: string;
  data: Buffer;
  mode: number;
}

export interface BundleInfo {
  /** The Procfile's `web:` command, when there is one. */
  webCommand?: string;
  /** Dockerrun.aws.json or Dockerfile at the root (EB's Docker platform; a Procfile is then ignored). */
  docker: boolean;
  /** Dockerrun.aws.json v1, when it is valid and the bundle has no Dockerfile. */
  dockerrun?: DockerrunV1;
  /** Why the Docker platform cannot deploy the bundle (reported when it is deployed, as EB's engine does). */
  dockerProblem?: string;
  /** option_settings of `.ebextensions/*.config`, in file-name order. */
  optionSettings: OptionSetting[];
}

/** A bundle EB would refuse; the message is the one shown in the processing event. */
export class BundleError extends Error {}

/** The files processing reads (everything else is only listed): small text files at known places. */
const READ_AT_PROCESSING = /^(Procfile|Dockerrun\.aws\.json|env\.yaml|\.ebextensions\/[^/]+\.config)$/;
/** EB's configuration files are small; a larger one is refused rather than read into memory. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

/** Streams the object at s3://bucket/key into `file`. */
export async function downloadBundle(s3Endpoint: string, bucket: string, key: string, file: string, signal?: AbortSignal, s3Fetch: S3Fetch = (u, init) => fetch(u, init)): Promise<void> {
  const url = `${s3Endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const res = await s3Fetch(url, { signal: signal ?? AbortSignal.timeout(600_000) });
  if (!res.ok || !res.body) {
    await res.arrayBuffer().catch(() => undefined);
    throw new BundleError(`Unable to download from S3 location (Bucket: ${bucket} Key: ${key}). Reason: HTTP ${res.status}`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
}

const notZip = (err: Error): BundleError => new BundleError(`The source bundle is not a valid zip file: ${err.message}`);

function readStream(stream: Readable, limit: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        stream.destroy();
        reject(new BundleError(`${name} in the source bundle is larger than ${limit} bytes.`));
      } else chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/**
 * Walks the zip at `file` entry by entry (directories skipped); `visit` may read an entry's stream.
 * Only the central directory and the entries visited are read.
 */
async function walkZip(file: string, visit: (entry: yauzl.Entry, open: () => Promise<Readable>) => Promise<void>): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true });
  } catch (err) {
    throw notZip(err as Error);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(notZip(err)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const next = entry.fileName.endsWith('/')
          ? Promise.resolve()
          : visit(entry, () => zip.openReadStreamPromise(entry).catch((err: Error) => Promise.reject(notZip(err))));
        next.then(() => zip.readEntry(), reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** The bundle's root-relative file names and the text of the files EB reads at processing. */
export async function readBundleFiles(file: string): Promise<{ names: string[]; read: ZipFileEntry[] }> {
  const names: string[] = [];
  const read: ZipFileEntry[] = [];
  await walkZip(file, async (entry, open) => {
    const name = entry.fileName.replace(/^\.\//, '');
    names.push(name);
    if (READ_AT_PROCESSING.test(name)) {
      const data = await readStream(await open(), MAX_READ_BYTES, name);
      read.push({ name, data, mode: (entry.externalFileAttributes >>> 16) & 0o777 });
    }
  });
  return { names, read };
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** `option_settings` as EB accepts them: a map of namespace → {option: value}, or a list of {namespace, option_name, value}. */
export function parseEbextension(fileName: string, text: string, label: string): OptionSetting[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new BundleError(
      `The configuration file ${fileName} in application version ${label} contains invalid YAML or JSON. ` +
        `YAML exception: ${(err as Error).message.split('\n')[0]}. Update the configuration file.`,
    );
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BundleError(`The configuration file ${fileName} in application version ${label} must be a YAML or JSON map of sections.`);
  }
  const settings = (doc as Record<string, unknown>).option_settings;
  if (settings === undefined || settings === null) return [];
  const out: OptionSetting[] = [];
  const bad = (what: string): BundleError =>
    new BundleError(`Invalid option_settings in ${fileName} in application version ${label}: ${what}.`);
  if (Array.isArray(settings)) {
    for (const item of settings as unknown[]) {
      const s = item as Record<string, unknown> | null;
      if (!s || typeof s.namespace !== 'string' || typeof s.option_name !== 'string') throw bad('each list item needs namespace and option_name');
      out.push({ namespace: s.namespace, optionName: s.option_name, value: scalar(s.value) });
    }
  } else if (typeof settings === 'object') {
    for (const [namespace, options] of Object.entries(settings as Record<string, unknown>)) {
      if (!options || typeof options !== 'object') throw bad(`namespace ${namespace} must map option names to values`);
      for (const [optionName, value] of Object.entries(options as Record<string, unknown>)) {
        out.push({ namespace, optionName, value: scalar(value) });
      }
    }
  } else {
    throw bad('expected a map or a list');
  }
  return out;
}

export function procfileWebCommand(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*web\s*:\s*(.+?)\s*$/.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/**
 * Validates a bundle like EB's processing does — only `.ebextensions/*.config` (EB developer guide,
 * "Creating an application source bundle": processing validates configuration files) — and reads what
 * the instances need from it. A bundle with neither a Procfile nor a Dockerfile/Dockerrun.aws.json is
 * processed; it fails later, at deployment, as on EB.
 */
export function inspectBundle(entries: ZipFileEntry[], label: string): BundleInfo {
  const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
  const procfile = byName.get('Procfile');
  const docker = byName.has('Dockerrun.aws.json') || byName.has('Dockerfile');
  const optionSettings = [...byName.keys()]
    .filter((n) => /^\.ebextensions\/[^/]+\.config$/.test(n))
    .sort()
    .flatMap((n) => parseEbextension(n, byName.get(n)?.data.toString('utf8') ?? '', label));
  const env = byName.get('env.yaml');
  if (env) {
    try {
      YAML.parse(env.data.toString('utf8'));
    } catch (err) {
      throw new BundleError(`The environment manifest env.yaml in application version ${label} contains invalid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (docker) return { docker, ...dockerPlatform(byName), optionSettings };
  const webCommand = procfile ? procfileWebCommand(procfile.data.toString('utf8')) : undefined;
  return { ...(webCommand ? { webCommand } : {}), docker, optionSettings };
}

function dockerPlatform(byName: Map<string, ZipFileEntry>): { dockerrun: DockerrunV1 } | { dockerProblem: string } {
  if (byName.has('Dockerfile')) return { dockerProblem: DOCKERFILE_UNSUPPORTED };
  try {
    return { dockerrun: parseDockerrun(byName.get('Dockerrun.aws.json')?.data.toString('utf8') ?? '') };
  } catch (err) {
    if (err instanceof DockerrunError) return { dockerProblem: err.message };
    throw err;
  }
}

/** Processing's reading of the bundle file: names, the files EB reads, validated. */
export async function processBundleFile(file: string, label: string): Promise<BundleInfo> {
  const { names, read } = await readBundleFiles(file);
  const dockerfile = names.includes('Dockerfile');
  const info = inspectBundle(read, label);
  // Only the names are read for a Dockerfile: EB would build it; the emulator refuses it at deployment.
  return dockerfile ? { docker: true, dockerProblem: DOCKERFILE_UNSUPPORTED, optionSettings: info.optionSettings } : info;
}

/** Unpacks the zip at `file` into `dir`, one entry at a time, each streamed to its file. */
export async function extractZip(file: string, dir: string): Promise<void> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  await walkZip(file, async (entry, open) => {
    const target = path.resolve(root, entry.fileName);
    if (!target.startsWith(root + path.sep)) throw new BundleError(`The source bundle has an entry outside its root: ${entry.fileName}`);
    await mkdir(path.dirname(target), { recursive: true });
    const mode = (entry.externalFileAttributes >>> 16) & 0o777;
    await pipeline(await open(), createWriteStream(target, { mode: mode || 0o644 }));
  });
}
