import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { hashZipFile, zipDirectory } from '../../src/bundle/zip.js';
import { ConfigurationError } from '../../src/config/errors.js';

const root = await mkdtemp(join(tmpdir(), 'zip-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function makeApp(dir: string, order: string[], mtime: Date): Promise<void> {
  await mkdir(join(dir, '.ebextensions'), { recursive: true });
  await mkdir(join(dir, 'empty'), { recursive: true });
  await mkdir(join(dir, '.git'), { recursive: true });
  await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const files: Record<string, string> = {
    'Procfile': 'web: node server.mjs\n',
    'server.mjs': 'console.log("hi")\n',
    'run.sh': '#!/bin/sh\nexec node server.mjs\n',
    '.ebextensions/app.config': 'option_settings: []\n',
  };
  for (const name of order) {
    await writeFile(join(dir, name), files[name] ?? '');
    await utimes(join(dir, name), mtime, mtime);
  }
  await chmod(join(dir, 'run.sh'), 0o775);
}

function entries(file: string): Promise<{ name: string; mode: number }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: { name: string; mode: number }[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, mode: (e.externalFileAttributes >>> 16) & 0o7777 });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

describe('deterministic zip', () => {
  it('gives identical bytes for the same content written in another order at other times', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await makeApp(a, ['Procfile', 'server.mjs', 'run.sh', '.ebextensions/app.config'], new Date('2020-05-01T10:00:00Z'));
    await makeApp(b, ['.ebextensions/app.config', 'run.sh', 'server.mjs', 'Procfile'], new Date('2025-11-25T23:59:59Z'));
    const za = await zipDirectory(a, join(root, 'a.zip'));
    const zb = await zipDirectory(b, join(root, 'b.zip'));
    expect(za.sha256).toBe(zb.sha256);
    expect(Buffer.compare(await readFile(za.path), await readFile(zb.path))).toBe(0);
    expect(za.size).toBe((await readFile(za.path)).length);
    expect((await hashZipFile(za.path)).sha256).toBe(za.sha256);
  });

  it('changes the hash when content changes', async () => {
    const c = join(root, 'c');
    await makeApp(c, ['Procfile', 'server.mjs', 'run.sh', '.ebextensions/app.config'], new Date());
    await writeFile(join(c, 'server.mjs'), 'console.log("changed")\n');
    const a = await hashZipFile(join(root, 'a.zip'));
    expect((await zipDirectory(c, join(root, 'c.zip'))).sha256).not.toBe(a.sha256);
  });

  it('sorts entries, keeps the exec bit as 0755, normalises others to 0644, skips .git, keeps empty dirs', async () => {
    const list = await entries(join(root, 'a.zip'));
    expect(list.map((e) => e.name)).toEqual(['.ebextensions/app.config', 'Procfile', 'empty/', 'run.sh', 'server.mjs']);
    expect(Object.fromEntries(list.map((e) => [e.name, e.mode.toString(8)]))).toEqual({
      '.ebextensions/app.config': '644',
      Procfile: '644',
      'empty/': '755',
      'run.sh': '755',
      'server.mjs': '644',
    });
  });

  it('refuses a .zip that is not a zip, naming the input', async () => {
    await writeFile(join(root, 'fake.zip'), 'not a zip');
    await expect(hashZipFile(join(root, 'fake.zip'))).rejects.toThrow(ConfigurationError);
    await expect(hashZipFile(join(root, 'fake.zip'))).rejects.toThrow(/input "bundle".*expected a zip file/);
  });
});
