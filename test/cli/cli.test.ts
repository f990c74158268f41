// `eb-pipeline` as a person runs it: the real CLI entry in its own process, against the emulator.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, releaseMarks, useEmulator } from '../support/emulator.js';
import { writeTestAppBundle } from '../support/test-app.js';
import { servedVersion } from '../actions/run-entry.js';

const h = useEmulator();
const tmp = await mkdtemp(join(tmpdir(), 'cli-test-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A 2 s stability window: these scenarios are not about it (test/actions/deploy-stability.test.ts is).
    const gate = ['deploy', 'rollback'].includes(args[0] ?? '') && !args.includes('--help') ? ['--stable-seconds', '2'] : [];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args, ...gate], { env: { ...process.env, ...h.emulator.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('eb-pipeline CLI', () => {
  it('deploy → exit 0 with progress and a report; status shows it', async () => {
    await createEnvironmentReady(h, { app: 'cli', env: 'cli-dev', label: 'v1' });
    const good = join(tmp, 'good');
    await writeTestAppBundle(good, { version: 'v2' });
    const ok = await cli(['deploy', '-a', 'cli', '-e', 'cli-dev', '-b', good, '-l', 'v2', '--deploy-timeout', '40s']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/gate passed: "v2" held Ok \(Green\) for \d+\.\d s over \d+ checks and \d+ EB health reports/);
    expect(ok.stdout).toMatch(/outcome\s+deployed/);
    expect(ok.stdout).toMatch(/previous version\s+v1/);
    expect(await servedVersion((await describeEnv(h.eb, 'cli-dev')).CNAME)).toBe('v2');

    const status = await cli(['status', '-a', 'cli', '-e', 'cli-dev']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^cli-dev: Ready Green \(Ok\) on "v2"/);
    expect(status.stdout).toMatch(/i-[0-9a-f]+: Ok on "v2"/);
  });

  it('a broken deploy → exit 1, rolled back', async () => {
    const broken = join(tmp, 'broken');
    await writeTestAppBundle(broken, { version: 'v3', mode: 'unhealthy' });
    const bad = await cli(['deploy', '-a', 'cli', '-e', 'cli-dev', '-b', broken, '-l', 'v3', '--deploy-timeout', '40s']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/eb-pipeline deploy: deploy of "v3" failed: .*Rolled back to "v2", which is healthy again/);
    expect(bad.stdout).toMatch(/outcome\s+rolled-back/);
    expect(await servedVersion((await describeEnv(h.eb, 'cli-dev')).CNAME)).toBe('v2');
  });

  it('rollback: never to the failed version; prune keeps what environments run and would roll back to', async () => {
    // v2 is verified and runs, v3 failed, v1 predates the record: no default (it could be a version
    // this environment never ran); the error offers v1, and naming it rolls back.
    const guess = await cli(['rollback', '-a', 'cli', '-e', 'cli-dev', '--deploy-timeout', '40s']);
    expect(guess.code).toBe(1);
    expect(guess.stderr).toMatch(/nothing to roll back to: no version other than "v2" is verified healthy on "cli-dev" \(the newest older version that did not fail there is "v1", not verified on "cli-dev"\); name the version to roll back to/);
    expect(await servedVersion((await describeEnv(h.eb, 'cli-dev')).CNAME)).toBe('v2');
    const back = await cli(['rollback', '-a', 'cli', '-e', 'cli-dev', '-l', 'v1', '--deploy-timeout', '40s']);
    expect(back.code, back.stderr).toBe(0);
    expect(await servedVersion((await describeEnv(h.eb, 'cli-dev')).CNAME)).toBe('v1');

    const prune = await cli(['prune', '-a', 'cli', '-k', '1']);
    expect(prune.code, prune.stderr).toBe(0);
    // Newest (v3) kept, v1 runs, v2 is the newest verified other than v1: nothing can go.
    expect(prune.stdout).toMatch(/deleted 0: -; kept 3, always: v1 \(runs on cli-dev\), v2 \(rollback target of cli-dev\)/);

    const missing = await cli(['prune', '-a', 'no-such-app', '-k', '1']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/application "no-such-app" does not exist/);
    expect(await releaseMarks(h.eb, 'cli', 'cli-dev')).toEqual({ v1: 'verified', v2: 'verified', v3: 'failed' });
  });

  it('usage errors → exit 2; --help → exit 0', async () => {
    const usage = await cli(['deploy', '-a', 'cli']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/input "environment-name" is required/);
    const help = await cli(['deploy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--deploy-timeout/);
  });
});
