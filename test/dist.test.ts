import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('dist/', () => {
  it('matches a fresh build of the committed sources', async () => {
    const result = await run(process.execPath, ['scripts/build.mjs', '--check']).catch(
      (err: { stdout: string; stderr: string; code: number }) => err,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/dist\/ is fresh/);
  }, 300_000);
});
