// The image layering, proven with real builds (podman, chroot isolation): the base is built once and
// a rebuild is all cache; dev and production are built FROM it; the production image carries the
// project, its settings module, EXPOSE 7999 and a non-root user — and its own stack answers when
// started from the image's filesystem as that user.
//
// Not exercised here (no PyPI, no registry): the pip install of requirements/production.txt into
// python:3.12-slim-bookworm. The stand-in base is Debian bookworm with Debian's Django 4.2 stack
// (PYTHON_PACKAGES=debian); every other line of every Dockerfile runs as written.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleContext, build, ensureStandInBase, imageExists, inspectImage, podman, STAND_IN_PYTHON_IMAGE, type ImageInfo } from './support/images.js';
import { curlInside, removeImageStack, startImageStack, type ImageStack } from './support/image-stack.js';
import { commandLine, descendants, isAlive, run, sleep } from './support/processes.js';

// A stable tag keeps the base's layers cached between runs; app images are per run and removed.
const BASE_TAG = 'localhost/django-eb-test/base:cache';
const RUN = randomBytes(3).toString('hex');
const DEV_TAG = `localhost/django-eb-test/dev:${RUN}`;
const PRODUCTION_TAG = `localhost/django-eb-test/production:${RUN}`;
const VERSION = `v-image-${RUN}`;
const BASE_ARGS = { PYTHON_IMAGE: STAND_IN_PYTHON_IMAGE, PYTHON_PACKAGES: 'debian' };

let context = '';
let baseId = '';
let production: ImageInfo | undefined;
let stack: ImageStack | undefined;

describe('Dockerfile.base → Dockerfile.dev / Dockerfile.production (podman builds)', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    await ensureStandInBase();
    context = await assembleContext();
    // What an app repository's checkout has next to the project, that .dockerignore keeps out.
    await mkdir(path.join(context, '.git', 'objects'), { recursive: true });
    await writeFile(path.join(context, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await mkdir(path.join(context, 'node_modules', 'left-pad'), { recursive: true });
    await writeFile(path.join(context, '.env'), 'SECRET_KEY=from-a-local-file\n');
    await mkdir(path.join(context, 'media'), { recursive: true });
    await writeFile(path.join(context, 'media', 'upload.png'), 'local upload');
  }, 600_000);

  afterAll(async () => {
    await removeImageStack(stack);
    await run('podman', ['--cgroup-manager=cgroupfs', 'rmi', '-f', DEV_TAG, PRODUCTION_TAG]);
    if (context) await rm(path.dirname(context), { recursive: true, force: true });
  }, 120_000);

  it('builds the base, and a second build of it is all cache (same image id)', async () => {
    const previous = (await imageExists(BASE_TAG)) ? (await inspectImage(BASE_TAG)).Id : undefined;
    const first = await build(context, 'docker/Dockerfile.base', BASE_TAG, BASE_ARGS);
    // requirements/ or Dockerfile.base changed: drop the old base (≈570 MB) the tag no longer names.
    if (previous && !previous.endsWith(first.id) && !first.id.endsWith(previous)) await run('podman', ['--cgroup-manager=cgroupfs', 'rmi', previous]);
    const second = await build(context, 'docker/Dockerfile.base', BASE_TAG, BASE_ARGS);
    expect(second.id).toBe(first.id);
    // Every step after FROM came from the cache (ARG, ENV, COPY and both RUNs).
    const steps = Number(/STEP \d+\/(\d+):/.exec(second.output)?.[1]);
    expect(steps).toBeGreaterThanOrEqual(6);
    expect(second.output.match(/--> Using cache/g)?.length).toBe(steps - 1);
    expect(second.output).not.toMatch(/STEP \d+\/\d+: RUN[\s\S]*?\n\+ apt-get/);
    baseId = first.id;
    const base = await inspectImage(baseId);
    expect(base.Config.Env).not.toContainEqual(expect.stringMatching(/^DJANGO_SETTINGS_MODULE=/));
  });

  it('builds dev and production FROM that base: the base layers are theirs, unchanged', async () => {
    expect(baseId).not.toBe('');
    const base = await inspectImage(baseId);
    const dev = await build(context, 'docker/Dockerfile.dev', DEV_TAG, { BASE_IMAGE: baseId, APP_VERSION: VERSION });
    const prod = await build(context, 'docker/Dockerfile.production', PRODUCTION_TAG, { BASE_IMAGE: baseId, APP_VERSION: VERSION });
    expect(dev.output).not.toContain('apt-get');
    const devInfo = await inspectImage(dev.id);
    production = await inspectImage(prod.id);
    for (const image of [devInfo, production]) {
      expect(image.RootFS.Layers.slice(0, base.RootFS.Layers.length)).toEqual(base.RootFS.Layers);
      expect(image.RootFS.Layers.length).toBeGreaterThan(base.RootFS.Layers.length);
    }
    expect(devInfo.Config.Env).toContain('DJANGO_SETTINGS_MODULE=config.settings.dev');
  });

  it('has the production image configured: settings, version, EXPOSE 7999, non-root user, supervisord', () => {
    const config = production!.Config;
    expect(config.Env).toContain('DJANGO_SETTINGS_MODULE=config.settings.production');
    expect(config.Env).toContain(`APP_VERSION=${VERSION}`);
    expect(config.Env).not.toContainEqual(expect.stringMatching(/^SECRET_KEY=/));
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['7999/tcp']);
    expect(config.User).toBe('app');
    expect(config.WorkingDir).toBe('/srv/project');
    expect(config.Cmd).toEqual(['supervisord', '-c', '/etc/stack/supervisord.conf']);
  });

  it('contains the project, rendered configs and build-time static files', async () => {
    const container = (await podman(['create', production!.Id])).stdout.trim();
    try {
      const root = (await podman(['mount', container])).stdout.trim();
      const check = async (script: string) => (await run('chroot', [root, 'sh', '-c', script])).stdout.trim();
      expect(await check('test -f /srv/project/manage.py && echo yes')).toBe('yes');
      expect(await check('grep -c "listen 7999 default_server;" /etc/stack/nginx.conf')).toBe('1');
      expect(await check('grep "^socket" /etc/stack/uwsgi.ini')).toBe('socket = /run/app/uwsgi.sock');
      expect(await check('grep -c "\\${" /etc/stack/nginx.conf /etc/stack/uwsgi.ini /etc/stack/supervisord.conf | cut -d: -f2 | sort -u')).toBe('0');
      expect(await check('test -f /srv/static/staticfiles.json && ls /srv/static/notes')).toMatch(/site\.[0-9a-f]{12}\.css/);
      expect(await check('stat -c %U /run/app; stat -c %U /srv/project/manage.py')).toBe('app\nroot');
      // django-app/.dockerignore: no history, no local modules, env files or media in the image.
      expect(await check('cd /srv/project && ls -d .git node_modules .env media 2>/dev/null; echo end')).toBe('end');
    } finally {
      await run('podman', ['--cgroup-manager=cgroupfs', 'umount', container]);
      await run('podman', ['--cgroup-manager=cgroupfs', 'rm', '-f', container]);
    }
  });

  it("runs the production image's stack as its user: nginx :7999 → uWSGI → Django, stopped by SIGTERM", async () => {
    // Its own network namespace has no PostgreSQL: /healthz must say 503 "unavailable", with the version.
    stack = await startImageStack(production!, { SECRET_KEY: randomBytes(48).toString('base64url'), AWS_STORAGE_BUCKET_NAME: 'media-bucket' });
    let health = await curlInside(stack, 'http://127.0.0.1:7999/healthz');
    for (let i = 0; i < 100 && health.status !== 503; i++) {
      await sleep(200);
      health = await curlInside(stack, 'http://127.0.0.1:7999/healthz');
    }
    expect(health.status, stack.output()).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ status: 'unhealthy', version: VERSION, database: 'unavailable' });
    const css = await curlInside(stack, 'http://127.0.0.1:7999/static/notes/site.css');
    expect(css.status).toBe(200);
    expect(css.headers).toMatch(/Cache-Control: max-age=31536000/i);

    const tree = descendants(stack.pid).filter(isAlive);
    const owners = await run('ps', ['-o', 'user=,args=', '-p', tree.join(',')]);
    const serving = owners.stdout.split('\n').filter((line) => /uwsgi --ini|nginx: (master|worker)|supervisord -c/.test(line));
    expect(serving.length).toBeGreaterThanOrEqual(8);
    for (const line of serving) expect(line).toMatch(/^(app|10001)\s/);

    const supervisord = tree.find((pid) => commandLine(pid).includes('supervisord -c /etc/stack/supervisord.conf'));
    expect(supervisord).toBeDefined();
    const started = Date.now();
    process.kill(supervisord!, 'SIGTERM');
    while (tree.some(isAlive) && Date.now() - started < 10_000) await sleep(100);
    expect(tree.filter(isAlive)).toEqual([]);
    expect(await stack.exited).toBe(0);
  });
});

