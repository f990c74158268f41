// deploy.yml's "Find the version to promote" step: real awscli against the local Elastic Beanstalk
// emulator reads the version the dev environment runs (what deploy-production deploys by default).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvironmentReady, useEmulator } from '../support/emulator.js';
import { runStep } from './run-step.js';

const h = useEmulator();

describe('deploy.yml: the version to promote', () => {
  let bin: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-dev', label: 'v7-3f2a9c1d' });
    // awscli 2.9 ignores AWS_ENDPOINT_URL_*: this `aws` adds the emulator's endpoint, nothing else.
    bin = await mkdtemp(join(tmpdir(), 'eb-pipeline-aws-bin-'));
    await writeFile(join(bin, 'aws'), `#!/bin/sh\nexec /usr/bin/aws --endpoint-url "${h.emulator.ebEndpoint}" "$@"\n`);
    await chmod(join(bin, 'aws'), 0o755);
    env = { ...h.emulator.env, PATH: `${bin}:/usr/bin:/bin` };
  });
  afterAll(async () => {
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  const promote = (versionLabel: string, promoteFrom: string) =>
    runStep('.github/workflows/deploy.yml', {
      step: 'promote',
      contexts: {
        'inputs.application-name': 'shop',
        'inputs.version-label': versionLabel,
        'inputs.promote-from-environment': promoteFrom,
      },
      env,
    });

  it('reads the label the source environment runs', async () => {
    const result = await promote('', 'shop-dev');
    expect(result.code, result.stderr).toBe(0);
    expect(result.outputs).toEqual({ 'version-label': 'v7-3f2a9c1d' });
    expect(result.stdout).toContain('Promoting v7-3f2a9c1d, the version shop-dev runs now');
  });

  it('a given label wins and needs no AWS call', async () => {
    const result = await promote('v6-0a1b2c3d', 'shop-dev');
    expect(result.outputs).toEqual({ 'version-label': 'v6-0a1b2c3d' });
    expect(result.stdout).not.toContain('Promoting');
  });

  it('fails naming an environment that does not exist', async () => {
    const result = await promote('', 'shop-nope');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error::environment "shop-nope" of application "shop" not found or runs no version');
  });
});
