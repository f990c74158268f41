// `npm run demo`, the README's main command, as a newcomer runs it: the committed CLI bundle, the
// real emulator, PostgreSQL. The full demo runs the Django tests, builds the images with podman into
// a local registry and deploys the Docker bundle (each instance runs the image); --fast deploys a
// Procfile bundle (nginx → uWSGI → Django on the host). Both stories are asserted.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('tests, builds the base once and the dev image on it, deploys the image Green, catches the broken v2 image and rolls back', async () => {
    const registryDir = await mkdtemp(path.join(tmpdir(), 'demo-registry-'));
    try {
      const demo = (): Promise<{ stdout: string }> =>
        run(process.execPath, ['dist/cli/index.js', 'demo', '--registry-dir', registryDir, '--database-url', 'postgres://postgres@127.0.0.1:5432/django_eb_demo_full_test'], {
          timeout: 600_000,
          maxBuffer: 64 * 1024 * 1024,
        }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
          // The story, not just "Command failed": what the demo printed says which claim broke.
          throw new Error(`${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
        });
      const first = (await demo()).stdout;
      expect(first).toMatch(/django-test: 5 of 5 checks passed, \d+ tests run/);
      expect(first).toMatch(/Offline, as here, .*Debian stand-in/s);
      expect(first).toMatch(/base sha256:[0-9a-f]{64}: BUILT and pushed/);
      expect(first).toMatch(/image 127\.0\.0\.1:\d+\/django-eb-demo@sha256:[0-9a-f]{64}\n/);
      expect(first).toMatch(/\d+ layers, \d+ reused from the registry; [\d.]+ MiB pushed/);
      expect(first).toMatch(/environment: Ready Green, running v1; http:\/\/127\.0\.0\.1:\d+\/ → 200 "Notes · v1" \(Server: nginx[^)]*\), \/healthz version v1/);
      expect(first).toMatch(/action exit code 1; outputs: rolled-back=true, previous-version-label=v1/);
      expect(first).toMatch(/Time by step:/);
      const summary = first.slice(first.lastIndexOf('Summary ('));
      expect(summary.match(/^ {2}held {4}/gm)).toHaveLength(9);
      expect(summary).not.toMatch(/FAILED/);
      // A second run finds the base in the registry: not rebuilt, only the app layers pushed.
      const second = (await demo()).stdout;
      expect(second).toMatch(/base sha256:[0-9a-f]{64}: already in the registry, not rebuilt/);
      expect(second).not.toMatch(/BUILT and pushed/);
      expect(second.slice(second.lastIndexOf('Summary ('))).toMatch(/The story held/);
    } finally {
      await rm(registryDir, { recursive: true, force: true });
    }
  }, 1_200_000);

  it('--fast: deploys a Procfile v1 Green, catches the broken v2, rolls back, and v1 serves again', async () => {
    const { stdout } = await run(process.execPath, ['dist/cli/index.js', 'demo', '--fast', '--database-url', 'postgres://postgres@127.0.0.1:5432/django_eb_demo_test'], {
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/environment: Ready Green, running v1; http:\/\/127\.0\.0\.1:\d+\/healthz → 200 version v1/);
    expect(stdout).toMatch(/action exit code 1; outputs: rolled-back=true, previous-version-label=v1/);
    expect(stdout).toMatch(/✗ error: deploy of "v2" failed/);
    expect(stdout).toMatch(/Rolling back "demo-dev" to "v1"/);
    const summary = stdout.slice(stdout.lastIndexOf('Summary ('));
    expect(summary.match(/^ {2}held {4}/gm)).toHaveLength(6);
    expect(summary).not.toMatch(/FAILED/);
    expect(summary).toMatch(/The story held/);
  }, 300_000);

  it('refuses a bad option before starting anything', async () => {
    const err = await run(process.execPath, ['dist/cli/index.js', 'demo', '--time-scale', 'fast']).catch((e: { code: number; stderr: string }) => e);
    expect('code' in err && err.code).toBe(2);
    expect('stderr' in err && err.stderr).toMatch(/--time-scale must be a number in \(0, 1\], got "fast"/);
  });
});
