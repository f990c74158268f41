// 4. Zip time: our deterministic zipDirectory (sorted entries, fixed times and modes, sha256 in
// the same pass) vs Info-ZIP `zip -r`, on the Django app bundle and on a larger synthetic tree;
// and whether two zips of the same content whose files have different mtimes are byte-identical.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zipDirectory } from '../../src/bundle/zip.js';
import type { BenchContext } from './context.js';
import { runProcess, tail } from './processes.js';
import { median, mib, spread, type Table } from './report.js';

const REPEATS = 3;
const WORDS = 'def class import return self request response queryset model view template static settings migration field'.split(' ');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** A source-like tree: 40 packages × 50 files, three in four compressible text, one in four binary. */
async function writeSyntheticTree(dir: string): Promise<void> {
  for (let p = 0; p < 40; p++) {
    const pkg = path.join(dir, `pkg${String(p).padStart(2, '0')}`, 'module');
    await mkdir(pkg, { recursive: true });
    for (let f = 0; f < 50; f++) {
      const seed = p * 50 + f;
      if (seed % 4 === 3) {
        await writeFile(path.join(pkg, `asset${f}.bin`), randomBytes(40_000 + (seed % 7) * 15_000));
      } else {
        const lines = Array.from({ length: 300 + (seed % 11) * 60 }, (_, i) => `    ${WORDS[(i * 7 + seed) % WORDS.length] ?? ''}_${i % 97} = ${WORDS[(i + seed) % WORDS.length] ?? ''}(${i}, "${seed}")`);
        await writeFile(path.join(pkg, `file${f}.py`), `${lines.join('\n')}\n`);
      }
    }
  }
}

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function timeOurs(dir: string, out: string): Promise<number> {
  const t = performance.now();
  await zipDirectory(dir, out);
  return performance.now() - t;
}

async function timeInfoZip(dir: string, out: string, extraArgs: string[]): Promise<number> {
  await rm(out, { force: true });
  const run = await runProcess('/usr/bin/zip', ['-q', '-r', ...extraArgs, out, '.'], { cwd: dir, timeoutMs: 120_000 });
  if (run.code !== 0) throw new Error(`zip -r failed (exit ${run.code}): ${tail(run)}`);
  return run.wallMs;
}

/** Sets every file's mtime to `when`, as a fresh checkout or a rebuild would. */
async function touchAll(dir: string, when: Date): Promise<void> {
  for (const f of await filesUnder(dir)) await utimes(f, when, when);
}

interface ZipFigures {
  tree: string;
  files: number;
  bytes: number;
  ours: number[];
  zipR: number[];
  zipRX: number[];
  oursSize: number;
  zipSize: number;
  oursIdentical: boolean;
  zipXIdentical: boolean;
}

async function measureTree(name: string, dir: string, work: string): Promise<ZipFigures> {
  const files = await filesUnder(dir);
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  const ours: number[] = [];
  const zipR: number[] = [];
  const zipRX: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    ours.push(await timeOurs(dir, path.join(work, 'ours.zip')));
    zipR.push(await timeInfoZip(dir, path.join(work, 'zip-r.zip'), []));
    zipRX.push(await timeInfoZip(dir, path.join(work, 'zip-rX-a.zip'), ['-X']));
  }
  const oursA = await sha(path.join(work, 'ours.zip'));
  const zipA = await sha(path.join(work, 'zip-rX-a.zip'));
  await touchAll(dir, new Date(Date.now() - 86_400_000 * 3));
  await zipDirectory(dir, path.join(work, 'ours-b.zip'));
  await timeInfoZip(dir, path.join(work, 'zip-rX-b.zip'), ['-X']);
  return {
    tree: name,
    files: files.length,
    bytes,
    ours,
    zipR,
    zipRX,
    oursSize: (await stat(path.join(work, 'ours.zip'))).size,
    zipSize: (await stat(path.join(work, 'zip-r.zip'))).size,
    oursIdentical: oursA === (await sha(path.join(work, 'ours-b.zip'))),
    zipXIdentical: zipA === (await sha(path.join(work, 'zip-rX-b.zip'))),
  };
}

export async function measureZip(ctx: BenchContext, repoRoot: string): Promise<Table> {
  const root = path.join(ctx.tmp, 'zip');
  const django = path.join(root, 'django-bundle');
  const synthetic = path.join(root, 'synthetic');
  const work = path.join(root, 'out');
  await mkdir(work, { recursive: true });
  const made = await runProcess('/usr/bin/python3', [path.join(repoRoot, 'django-app/bin/make-local-bundle'), django, 'v1'], { timeoutMs: 60_000 });
  if (made.code !== 0) throw new Error(`make-local-bundle failed (exit ${made.code}): ${tail(made)}`);
  await writeSyntheticTree(synthetic);
  const figures: ZipFigures[] = [];
  for (const [name, dir] of [['Django app bundle (make-local-bundle)', django], ['synthetic tree (2,000 files)', synthetic]] as const) {
    ctx.log(`zip: ${name}`);
    figures.push(await measureTree(name, dir, work));
  }
  await rm(root, { recursive: true, force: true });
  const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
  return {
    title: '4. Zip time and determinism',
    note: `Median (min–max) of ${REPEATS} runs, seconds. Ours = zipDirectory in-process (deflate, sorted entries, fixed times/modes, sha256 in the same pass); Info-ZIP 3.0 \`zip -q -r\` (deflate -6) as a child process. "Identical" = sha256 of two zips of the same content after every file's mtime changed.`,
    columns: ['tree', 'files', 'MiB', 'ours s', 'zip -r s', 'zip -r -X s', 'ours/zip -r (median / min)', 'zip MiB ours / zip -r', 'ours identical', 'zip -r -X identical'],
    rows: figures.map((f) => [
      f.tree,
      f.files,
      mib(f.bytes).toFixed(1),
      spread(f.ours.map((ms) => ms / 1000), 3),
      spread(f.zipR.map((ms) => ms / 1000), 3),
      spread(f.zipRX.map((ms) => ms / 1000), 3),
      `${(median(f.ours) / median(f.zipR)).toFixed(2)}× / ${(Math.min(...f.ours) / Math.min(...f.zipR)).toFixed(2)}×`,
      `${mib(f.oursSize).toFixed(2)} / ${mib(f.zipSize).toFixed(2)}`,
      yesNo(f.oursIdentical),
      yesNo(f.zipXIdentical),
    ]),
  };
}
