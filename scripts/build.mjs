// Bundles every entry in src/entries/<name>.ts into dist/<name>/index.js with @vercel/ncc
// (plus the third-party licences next to it). The action.yml files and the `eb-pipeline` bin
// point at these bundles, so they are committed; `--check` rebuilds into a temporary folder and
// fails, naming the stale files, when the committed ones differ.
//
//   scripts/node24 scripts/build.mjs            rebuild dist/
//   scripts/node24 scripts/build.mjs --check    exit 1 when dist/ is stale
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function buildAll(outRoot) {
  const entries = (await readdir(join(root, 'src/entries'))).filter((f) => f.endsWith('.ts')).sort();
  for (const file of entries) {
    const name = basename(file, '.ts');
    const { code, assets } = await ncc(join(root, 'src/entries', file), {
      license: 'licenses.txt',
      quiet: true,
      sourceMap: false,
      minify: false,
      cache: false,
    });
    const outDir = join(outRoot, name);
    await mkdir(outDir, { recursive: true });
    const bin = name === 'cli' ? '#!/usr/bin/env node\n' : '';
    await writeFile(join(outDir, 'index.js'), bin + code.replace(/^#!.*\n/, ''), { mode: 0o755 });
    for (const [assetName, asset] of Object.entries(assets)) {
      await mkdir(dirname(join(outDir, assetName)), { recursive: true });
      await writeFile(join(outDir, assetName), asset.source);
    }
  }
}

if (check) {
  const tmp = await mkdtemp(join(tmpdir(), 'eb-pipeline-dist-'));
  try {
    await buildAll(tmp);
    const fresh = await listFiles(tmp);
    const committed = await listFiles(join(root, 'dist'));
    const stale = [];
    for (const f of new Set([...fresh, ...committed])) {
      const a = await readFile(join(tmp, f)).catch(() => null);
      const b = await readFile(join(root, 'dist', f)).catch(() => null);
      if (!a || !b || !a.equals(b)) stale.push(`dist/${f}${!b ? ' (missing)' : !a ? ' (no longer built)' : ''}`);
    }
    if (stale.length) {
      console.error(`dist/ is stale; run \`npm run build\` and commit:\n  ${stale.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`dist/ is fresh (${fresh.length} files)`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
} else {
  await rm(join(root, 'dist'), { recursive: true, force: true });
  await buildAll(join(root, 'dist'));
  console.log('dist/ rebuilt');
}
