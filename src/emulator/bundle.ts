// Source bundles: fetched from the emulated S3 over HTTP, validated the way EB processes them,
// unpacked into an instance's directory.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import YAML from 'yaml';
import type { OptionSetting } from './query-protocol.js';

export interface ZipFileEntry {
  name: string;
  data: Buffer;
  mode: number;
}

export interface BundleInfo {
  /** The Procfile's `web:` command, when there is one. */
  webCommand?: string;
  /** Dockerrun.aws.json or Dockerfile at the root (EB's Docker platform). */
  docker: boolean;
  /** option_settings of `.ebextensions/*.config`, in file-name order. */
  optionSettings: OptionSetting[];
}

/** A bundle EB would refuse; the message is the one shown in the processing event. */
export class BundleError extends Error {}

export async function fetchBundle(s3Endpoint: string, bucket: string, key: string, signal?: AbortSignal): Promise<Buffer> {
  const url = `${s3Endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const res = await fetch(url, { signal: signal ?? AbortSignal.timeout(60_000) });
  if (!res.ok) {
    throw new BundleError(`Unable to download from S3 location (Bucket: ${bucket} Key: ${key}). Reason: HTTP ${res.status}`);
  }
  return Buffer.from(await res.arrayBuffer());
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function readZip(bundle: Buffer): Promise<ZipFileEntry[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bundle, { lazyEntries: true });
  } catch (err) {
    throw new BundleError(`The source bundle is not a valid zip file: ${(err as Error).message}`);
  }
  return new Promise((resolve, reject) => {
    const entries: ZipFileEntry[] = [];
    zip.on('error', (err: Error) => reject(new BundleError(`The source bundle is not a valid zip file: ${err.message}`)));
    zip.on('end', () => resolve(entries));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      zip
        .openReadStreamPromise(entry)
        .then(readAll)
        .then((data) => {
          entries.push({ name: entry.fileName, data, mode: (entry.externalFileAttributes >>> 16) & 0o777 });
          zip.readEntry();
        })
        .catch((err: Error) => reject(new BundleError(`The source bundle is not a valid zip file: ${err.message}`)));
    });
    zip.readEntry();
  });
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

/** Validates a bundle like EB's processing does and reads what the instances need from it. */
export function inspectBundle(entries: ZipFileEntry[], label: string): BundleInfo {
  const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
  const procfile = byName.get('Procfile');
  const docker = byName.has('Dockerrun.aws.json') || byName.has('Dockerfile');
  if (!procfile && !docker) {
    throw new BundleError('The source bundle has no Procfile, Dockerrun.aws.json or Dockerfile at its root: Elastic Beanstalk cannot tell how to run it.');
  }
  const optionSettings = [...byName.keys()]
    .filter((n) => /^\.ebextensions\/[^/]+\.config$/.test(n))
    .sort()
    .flatMap((n) => parseEbextension(n, byName.get(n)?.data.toString('utf8') ?? '', label));
  const webCommand = procfile ? procfileWebCommand(procfile.data.toString('utf8')) : undefined;
  if (procfile && !webCommand && !docker) throw new BundleError('The Procfile in the source bundle has no `web:` process.');
  return { ...(webCommand ? { webCommand } : {}), docker, optionSettings };
}

export async function extractZip(entries: ZipFileEntry[], dir: string): Promise<void> {
  const root = path.resolve(dir);
  for (const entry of entries) {
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(root + path.sep)) throw new BundleError(`The source bundle has an entry outside its root: ${entry.name}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, entry.data, { mode: entry.mode || 0o644 });
  }
}
