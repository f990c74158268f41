// The run: steps of the composite actions and reusable workflows, run as a runner runs them (see
// run-step.ts): env names, defaults and outputs match what the scripts read and write.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from './run-step.js';

const run = promisify(execFile);
const digest = `sha256:${'8d41c0ffee12'.padEnd(64, '0')}`;
const imageRef = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${digest}`;

describe('actions/make-bundle', () => {
  let temp: string;
  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'eb-pipeline-make-bundle-action-'));
  });
  afterAll(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('derives the label from the commit and the image digest and lays the bundle out in the runner temp dir', async () => {
    const result = await runStep('actions/make-bundle/action.yml', {
      step: 'bundle',
      contexts: { 'inputs.image-ref': imageRef },
      env: { RUNNER_TEMP: temp },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.outputs).toEqual({ 'bundle-dir': join(temp, 'eb-bundle'), 'version-label': '3f2a9c1d0b7e-8d41c0ffee12' });
    const dockerrun = JSON.parse(await readFile(join(temp, 'eb-bundle/Dockerrun.aws.json'), 'utf8')) as { Image: { Name: string } };
    expect(dockerrun.Image.Name).toBe(imageRef);
    expect(await readFile(join(temp, 'eb-bundle/bundle-version/VERSION'), 'utf8')).toBe('3f2a9c1d0b7e-8d41c0ffee12\n');
  });

  it('takes a given label and directory', async () => {
    const out = join(temp, 'given');
    const result = await runStep('actions/make-bundle/action.yml', {
      step: 'bundle',
      contexts: { 'inputs.image-ref': imageRef, 'inputs.version-label': 'release-7', 'inputs.output-directory': out },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.outputs).toEqual({ 'bundle-dir': out, 'version-label': 'release-7' });
  });
});

describe('deploy.yml: choosing what to deploy', () => {
  const choose = (imageRef: string, versionLabel: string, promoteFrom: string) =>
    runStep('.github/workflows/deploy.yml', {
      step: 'mode',
      contexts: {
        'inputs.image-ref': imageRef,
        'inputs.version-label': versionLabel,
        'inputs.promote-from-environment': promoteFrom,
        'inputs.environment': 'dev',
        'vars.AWS_ROLE_ARN': 'arn:aws:iam::123456789012:role/shop-github-dev',
      },
    });

  it('a new image is bundled; a label or a source environment deploys an existing version', async () => {
    expect((await choose(imageRef, '', '')).outputs).toEqual({ mode: 'new' });
    expect((await choose(imageRef, 'my-label', '')).outputs).toEqual({ mode: 'new' });
    expect((await choose('', 'v7', '')).outputs).toEqual({ mode: 'existing' });
    expect((await choose('', '', 'shop-dev')).outputs).toEqual({ mode: 'existing' });
  });

  it('refuses nothing to deploy, and an image together with a source environment', async () => {
    const nothing = await choose('', '', '');
    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toContain('::error::nothing to deploy: give image-ref, version-label or promote-from-environment');
    const both = await choose(imageRef, '', 'shop-dev');
    expect(both.code).toBe(1);
    expect(both.stdout).toContain('not both');
  });
});

describe('actions/django-test: the Django checks step', () => {
  const database = `eb_pipeline_action_step_${process.pid}_${Date.now()}`;
  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-q', '-c', sql]);
  beforeAll(async () => {
    await psql(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await psql(`DROP DATABASE IF EXISTS test_${database} WITH (FORCE)`).catch(() => undefined);
  });

  it('passes the inputs through env to the script and sets the declared outputs', async () => {
    const result = await runStep('actions/django-test/action.yml', {
      step: 'checks',
      contexts: {
        'inputs.working-directory': 'django-app',
        'inputs.requirements': '',
        'inputs.settings-module': 'config.settings.test',
        'inputs.production-settings-module': 'config.settings.production',
        'inputs.deploy-check-env': 'AWS_STORAGE_BUCKET_NAME=ci-check-only',
        'inputs.database-url': `postgres://postgres@127.0.0.1:5432/${database}`,
      },
      // Debian's Python here (setup-python provides `python` on a runner).
      env: { PYTHON: '/usr/bin/python3' },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Number(result.outputs['tests-run'])).toBeGreaterThan(0);
    expect(result.outputs['failed-checks']).toBe('0');
    expect(result.summary).toContain('| check --deploy | passed |');
  });
});
