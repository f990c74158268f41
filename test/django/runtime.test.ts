// The container's runtime, proven with the real Debian nginx, uWSGI and supervisord started from the
// committed config files (bin/run-stack renders them with only paths and the port substituted):
// nginx :PORT → unix socket → uWSGI → Django, static files from nginx, 503 without a database, and
// a clean stop of the whole tree within 10 s of SIGTERM to supervisord.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, freePort, isAlive, sleep, waitForHttp } from './support/processes.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from './support/postgres.js';
import { killStack, makeLocalBundle, startStack, type RunningStack } from './support/stack.js';

const database = uniqueDatabaseName('djruntime');
const version = `v-runtime-${process.pid}`;
let workDir = '';
let bundleDir = '';
let healthy: RunningStack | undefined;
let noDatabase: RunningStack | undefined;
let brokenApp: RunningStack | undefined;
let healthyPort = 0;
let noDatabasePort = 0;

describe('nginx → uWSGI → Django under supervisord (local bundle, Procfile web: command)', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'dj-runtime-'));
    bundleDir = path.join(workDir, 'bundle');
    await createDatabase(database);
    await makeLocalBundle(bundleDir, version, databaseUrl(database));
    [healthyPort, noDatabasePort] = [await freePort(), await freePort()];
    // A port nothing listens on: the database is "gone" and connecting fails at once.
    const deadDatabaseUrl = `postgres://postgres@127.0.0.1:${await freePort()}/${database}`;
    healthy = startStack(bundleDir, { PORT: String(healthyPort), STACK_RUN_DIR: path.join(workDir, 'run-a') });
    noDatabase = startStack(bundleDir, {
      PORT: String(noDatabasePort),
      STACK_RUN_DIR: path.join(workDir, 'run-b'),
      DATABASE_URL: deadDatabaseUrl,
      MIGRATE_ON_START: 'false',
    });
    // Production settings without SECRET_KEY: Django cannot load, uWSGI (need-app) exits each time.
    brokenApp = startStack(bundleDir, {
      PORT: String(await freePort()),
      STACK_RUN_DIR: path.join(workDir, 'run-c'),
      DJANGO_SETTINGS_MODULE: 'config.settings.production',
      MIGRATE_ON_START: 'false',
    });
    await waitForHttp(`http://127.0.0.1:${healthyPort}/healthz`, (status) => status === 200, 45_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- stack output\n${healthy?.output()}`);
    });
  });

  afterAll(async () => {
    await killStack(healthy);
    await killStack(noDatabase);
    await killStack(brokenApp);
    await dropDatabase(database);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('answers /healthz with the version through nginx and the uWSGI unix socket', async () => {
    const response = await fetch(`http://127.0.0.1:${healthyPort}/healthz`, { headers: { Host: '10.0.0.12' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('server')).toBe('nginx');
    expect(await response.json()).toEqual({ status: 'ok', version, database: 'ok' });
    const socket = path.join(workDir, 'run-a', 'uwsgi.sock');
    expect(statSync(socket).isSocket()).toBe(true);
    const rendered = readFileSync(path.join(workDir, 'run-a', 'conf', 'nginx.conf'), 'utf8');
    expect(rendered).toContain(`listen ${healthyPort} default_server;`);
    expect(rendered).toContain(`server unix:${socket};`);
    expect(rendered).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  it('serves the database page through uWSGI (migrations applied on start)', async () => {
    const response = await fetch(`http://127.0.0.1:${healthyPort}/`, { headers: { Host: 'localhost' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`version ${version}`);
    expect(html).toContain('No notes yet.');
  });

  it('serves static files from disk in nginx, with long cache headers Django never sets', async () => {
    const response = await fetch(`http://127.0.0.1:${healthyPort}/static/notes/site.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/css');
    // `expires 1y` + the ETag/Last-Modified of a file nginx read from disk.
    expect(response.headers.get('cache-control')).toContain('max-age=31536000');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('expires')).toBeTruthy();
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(await response.text()).toBe(readFileSync(path.join(bundleDir, 'staticfiles/notes/site.css'), 'utf8'));
  });

  it('answers 503 with "database": "unavailable" when the database cannot be reached', async () => {
    const response = await waitForHttp(`http://127.0.0.1:${noDatabasePort}/healthz`, (status) => status !== 502, 45_000);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unhealthy', version, database: 'unavailable' });
  });

  it('leaves no orphans when supervisord itself is SIGKILLed (programs get SIGTERM from the kernel)', async () => {
    const stack = noDatabase!;
    const tree = descendants(stack.pid).filter(isAlive);
    expect(tree.map(commandLine).filter((cmd) => cmd.startsWith('uwsgi --ini') || cmd.startsWith('nginx: master')).length).toBe(6);
    const started = Date.now();
    process.kill(stack.pid, 'SIGKILL');
    while (tree.some(isAlive) && Date.now() - started < 10_000) await sleep(100);
    expect(tree.filter(isAlive).map(commandLine)).toEqual([]);
  });

  it('stops nginx, the uWSGI master and workers within 10 s of SIGTERM to supervisord', async () => {
    const stack = healthy!;
    const tree = descendants(stack.pid).filter(isAlive);
    const commands = tree.map(commandLine);
    expect(commandLine(stack.pid)).toMatch(/supervisord -c .*run-a\/conf\/supervisord\.conf/);
    expect(commands.filter((cmd) => cmd.startsWith('nginx: master')).length).toBe(1);
    expect(commands.filter((cmd) => cmd.startsWith('nginx: worker')).length).toBeGreaterThanOrEqual(1);
    // The master and its 4 workers all show the same command line.
    expect(commands.filter((cmd) => cmd.startsWith('uwsgi --ini')).length).toBe(5);

    const started = Date.now();
    process.kill(stack.pid, 'SIGTERM');
    const pids = [stack.pid, ...tree];
    while (pids.some(isAlive) && Date.now() - started < 10_000) await sleep(100);
    const elapsed = Date.now() - started;
    expect(pids.filter(isAlive).map(commandLine)).toEqual([]);
    expect(elapsed).toBeLessThan(10_000);
    expect(await stack.exited).toBe(0);
    expect(existsSync(path.join(workDir, 'run-a', 'uwsgi.sock'))).toBe(false);
  });

  it('exits when uWSGI goes FATAL (the app cannot load), so EB restarts the container', async () => {
    const stack = brokenApp!;
    const code = await Promise.race([stack.exited, sleep(40_000).then(() => 'still running')]);
    expect(code, stack.output()).not.toBe('still running');
    expect(stack.output()).toContain('ImproperlyConfigured: The environment variable SECRET_KEY is required and is not set.');
    expect(stack.output()).toContain('gave up: uwsgi entered FATAL state');
    expect(stack.output()).toContain('exit_on_fatal: uwsgi is FATAL; stopping supervisord');
    expect(descendants(stack.pid).filter(isAlive)).toEqual([]);
  });

  it('removes the temporary run directory it made (bundle path too long for a socket) when the stack stops', async () => {
    // As under the emulator: no STACK_RUN_DIR, and the bundle deep enough that PROJECT/.run/uwsgi.sock
    // does not fit a unix socket path, so run-stack makes one under TMPDIR.
    const deepBundle = path.join(workDir, 'a-directory-name-long-enough-that-the-socket-path-overflows', 'bundle');
    const ownTmp = path.join(workDir, 'tmp');
    await mkdir(ownTmp, { recursive: true });
    await cp(bundleDir, deepBundle, { recursive: true });
    const port = await freePort();
    const stack = startStack(deepBundle, { PORT: String(port), TMPDIR: ownTmp, MIGRATE_ON_START: 'false' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, (status) => status === 200, 45_000);
      expect(await readdir(ownTmp)).toEqual([expect.stringMatching(/^stack-/)]);
      process.kill(stack.pid, 'SIGTERM');
      const code = await Promise.race([stack.exited, sleep(15_000).then(() => 'still running')]);
      expect(code, stack.output()).toBe(0);
      expect(await readdir(ownTmp)).toEqual([]);
    } finally {
      await killStack(stack);
    }
  }, 60_000);
});
