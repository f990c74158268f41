// `npm run demo`, the README's main command, as a newcomer runs it: the committed CLI bundle, the
// real emulator, the reference Django app on nginx → uWSGI, PostgreSQL. Its story is asserted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('deploys v1 Green, catches the broken v2, rolls back, and v1 serves again', async () => {
    const { stdout } = await run(process.execPath, ['dist/cli/index.js', 'demo', '--database-url', 'postgres://postgres@127.0.0.1:5432/django_eb_demo_test'], {
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
