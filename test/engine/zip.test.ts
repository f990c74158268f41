import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
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

describe('a bundle is the directory and nothing else', () => {
  let n = 0;
  /** A fresh bundle dir with one ordinary file, inside a parent that has a .git/config with a token. */
  async function bundleDir(): Promise<{ parent: string; dir: string; out: string }> {
    const parent = join(root, `case-${++n}`);
    const dir = join(parent, 'app');
    await mkdir(join(parent, '.git'), { recursive: true });
    await writeFile(join(parent, '.git', 'config'), '[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n');
    await mkdir(join(dir, 'static'), { recursive: true });
    await writeFile(join(dir, 'Procfile'), 'web: node server.mjs\n');
    await writeFile(join(dir, 'static', 'app.css'), 'body {}\n');
    return { parent, dir, out: join(parent, 'bundle.zip') };
  }

  async function refusal(dir: string, out: string): Promise<string> {
    const err = await zipDirectory(dir, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    // No zip, not even a partial one, is left where it was to be written.
    expect(await readdir(join(out, '..'))).not.toContain('bundle.zip');
    return (err as Error).message;
  }

  const outside: [string, (parent: string) => string][] = [
    ['/etc/passwd', () => '/etc/passwd'],
    ['../.git/config (the token of the checkout)', (parent) => join(parent, '.git', 'config')],
    ['the parent directory', (parent) => parent],
  ];
  it.each(outside)('refuses a symlink to %s, naming the link', async (_what, target) => {
    const { parent, dir, out } = await bundleDir();
    await symlink(target(parent), join(dir, 'static', 'leak'));
    expect(await refusal(dir, out)).toMatch(/^input "bundle" is invalid: symlink "static\/leak" points outside the bundle directory \(to \/.+\); .*copy what it needs into it/);
  });

  it('refuses a relative symlink that climbs out with ..', async () => {
    const { dir, out } = await bundleDir();
    await symlink('../../.git/config', join(dir, 'static', 'config'));
    expect(await refusal(dir, out)).toMatch(/symlink "static\/config" points outside the bundle directory/);
  });

  it('refuses a symlink to /proc/self/environ as a special file, with no stack', async () => {
    const { dir, out } = await bundleDir();
    await symlink('/proc/self/environ', join(dir, 'env.txt'));
    const message = await refusal(dir, out);
    expect(message).toMatch(/symlink "env.txt" points outside the bundle directory \(to \/proc\/\d+\/environ, a special file\)/);
    expect(message).not.toMatch(/\n/);
  });

  it('refuses a symlink into a .git directory inside the bundle', async () => {
    const { dir, out } = await bundleDir();
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'config'), 'token');
    await symlink('.git/config', join(dir, 'gitconfig'));
    expect(await refusal(dir, out)).toMatch(/symlink "gitconfig" points into .git/);
  });

  it('refuses a FIFO and a socket, naming the file', async () => {
    const fifo = await bundleDir();
    execFileSync('mkfifo', [join(fifo.dir, 'static', 'pipe')]);
    expect(await refusal(fifo.dir, fifo.out)).toBe('input "bundle" is invalid: "static/pipe" is a FIFO (named pipe); a bundle holds only files, directories and symlinks to them inside it');

    const sock = await bundleDir();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(sock.dir, 'app.sock'), resolve));
    try {
      expect(await refusal(sock.dir, sock.out)).toMatch(/"app.sock" is a socket/);
    } finally {
      server.close();
    }
  });

  it('refuses a link to a device', async () => {
    const { dir, out } = await bundleDir();
    await symlink('/dev/null', join(dir, 'null'));
    expect(await refusal(dir, out)).toMatch(/symlink "null" points outside the bundle directory \(to \/dev\/null, a special file\)/);
  });

  it('gives a clear error for a link loop, a link to its own ancestor and a dangling link', async () => {
    const loop = await bundleDir();
    await symlink('b', join(loop.dir, 'a'));
    await symlink('a', join(loop.dir, 'b'));
    expect(await refusal(loop.dir, loop.out)).toMatch(/symlink "a" never resolves: it is part of a symlink loop/);

    const up = await bundleDir();
    await symlink('..', join(up.dir, 'static', 'up'));
    expect(await refusal(up.dir, up.out)).toBe('input "bundle" is invalid: symlink "static/up" points at ".", a directory that contains it: following it would loop forever');

    const dangling = await bundleDir();
    await symlink('missing.txt', join(dangling.dir, 'gone'));
    expect(await refusal(dangling.dir, dangling.out)).toMatch(/symlink "gone" points at something that does not exist/);
  });

  it('follows links that stay inside, and leaves out .git at every depth', async () => {
    const { dir, out } = await bundleDir();
    await symlink('static/app.css', join(dir, 'app.css'));
    await symlink('static', join(dir, 'assets'));
    await mkdir(join(dir, 'vendor', 'lib', '.git'), { recursive: true });
    await writeFile(join(dir, 'vendor', 'lib', '.git', 'config'), 'token');
    await writeFile(join(dir, 'vendor', 'lib', 'index.js'), 'export {}\n');
    // A submodule's .git is a file.
    await mkdir(join(dir, 'vendor', 'sub'));
    await writeFile(join(dir, 'vendor', 'sub', '.git'), 'gitdir: ../../.git/modules/sub\n');
    await writeFile(join(dir, 'vendor', 'sub', 'README'), 'x\n');
    await zipDirectory(dir, out);
    expect((await entries(out)).map((e) => e.name)).toEqual([
      'Procfile', 'app.css', 'assets/app.css', 'static/app.css', 'vendor/lib/index.js', 'vendor/sub/README',
    ]);
  });
});
