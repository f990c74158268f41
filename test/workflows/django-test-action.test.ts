// actions/django-test's script against the reference Django app and the local PostgreSQL, with
// Debian's Python (PyPI is not reachable here, so nothing is pip-installed: REQUIREMENTS is empty).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../build-images/local-registry.js';
import { repoRoot } from './workflow-files.js';

const run = promisify(execFile);
const script = join(repoRoot, 'actions/django-test/django-test.sh');
const database = `eb_pipeline_django_test_${process.pid}_${Date.now()}`;
const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-q', '-c', sql]);

interface Outcome {
  code: number;
  output: string;
  summary: string;
  outputs: string;
}

async function djangoTest(work: string, name: string, env: Record<string, string>): Promise<Outcome> {
  const summaryFile = join(work, `${name}-summary.md`);
  const outputFile = join(work, `${name}-output`);
  let output = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [script], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        WORKING_DIRECTORY: join(repoRoot, 'django-app'),
        PYTHON: '/usr/bin/python3',
        SETTINGS_MODULE: 'config.settings.test',
        PRODUCTION_SETTINGS_MODULE: 'config.settings.production',
        DEPLOY_CHECK_ENV: 'AWS_STORAGE_BUCKET_NAME=ci-check-only\n',
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_OUTPUT: outputFile,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve(status ?? -1));
  });
  const read = (file: string) => readFile(file, 'utf8').catch(() => '');
  return { code, output, summary: await read(summaryFile), outputs: await read(outputFile) };
}

describe('actions/django-test/django-test.sh', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'eb-pipeline-django-test-'));
    await psql(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await psql(`DROP DATABASE IF EXISTS test_${database} WITH (FORCE)`).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('migrates, tests, checks migrations and the production settings, and reports each in the summary', async () => {
    const result = await djangoTest(work, 'pass', {});
    expect(result.code, result.output).toBe(0);
    expect(result.summary).toContain('| database | passed |');
    expect(result.summary).toContain('| migrate | passed |');
    expect(result.summary).toContain('| test | passed |');
    expect(result.summary).toContain('| makemigrations --check | passed |');
    expect(result.summary).toContain('| check --deploy | passed |');
    const testsRun = Number(/tests-run=(\d+)/.exec(result.outputs)?.[1]);
    expect(testsRun).toBeGreaterThan(0);
    expect(result.summary).toContain(`Tests run: ${testsRun}`);
    expect(result.outputs).toContain('failed-checks=0');
    expect(result.output).toContain('::group::test');
  });

  it('fails, naming the check, when the production settings are incomplete', async () => {
    const result = await djangoTest(work, 'deploy-check', { DEPLOY_CHECK_ENV: '' });
    expect(result.code).not.toBe(0);
    expect(result.summary).toContain('| test | passed |');
    expect(result.summary).toMatch(/\| check --deploy \| \*\*failed\*\*/);
    expect(result.output).toContain('AWS_STORAGE_BUCKET_NAME');
    expect(result.output).toContain('::error title=django-test::check --deploy failed');
    expect(result.outputs).toContain('failed-checks=1');
  });

  it('gives up on an unreachable database after the wait and skips migrate and tests', async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await djangoTest(work, 'no-db', {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/${database}`,
      DATABASE_WAIT_SECONDS: '2',
      PRODUCTION_SETTINGS_MODULE: '',
    });
    expect(result.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.summary).toMatch(/\| database \| \*\*failed\*\*/);
    expect(result.summary).not.toContain('| migrate |');
    expect(result.summary).not.toContain('| test |');
    expect(result.output).toContain('database not reachable after 2s');
  });

  it('rejects bad settings by name', async () => {
    const result = await djangoTest(work, 'bad', { DEPLOY_CHECK_ENV: 'just words' });
    expect(result.code).toBe(2);
    expect(result.output).toContain("DEPLOY_CHECK_ENV line 'just words' is not KEY=VALUE");
  });
});
