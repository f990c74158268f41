// The reference app's own checks, against the local PostgreSQL: its Django test suite, no missing
// migrations, and `check --deploy` with the production settings reporting nothing at all.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DJANGO_DIR, PYTHON, cleanEnv } from './support/django.js';
import { run } from './support/processes.js';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from './support/postgres.js';

const database = uniqueDatabaseName('djsuite');

function manage(args: string[], env: Record<string, string>) {
  return run(PYTHON, ['manage.py', ...args], { cwd: DJANGO_DIR, env: cleanEnv(env), timeoutMs: 120_000 });
}

describe('reference Django app', () => {
  afterAll(async () => {
    // Django's runner drops test_<name> itself; this covers a run killed half-way.
    await dropDatabase(`test_${database}`);
  });

  it('passes its test suite on PostgreSQL', async () => {
    const result = await manage(['test', '--noinput', '--verbosity', '2'], {
      DJANGO_SETTINGS_MODULE: 'config.settings.test',
      DATABASE_URL: databaseUrl(database),
    });
    expect(result.stderr).toMatch(new RegExp(`Creating test database for alias 'default' \\('test_${database}'\\)`));
    expect(result.stderr).toMatch(/Ran (\d+) tests/);
    const ran = Number(/Ran (\d+) tests/.exec(result.stderr)?.[1]);
    expect(ran).toBeGreaterThanOrEqual(15);
    expect(result.stderr).toMatch(/\nOK\n/);
    expect(result.code, result.stderr).toBe(0);
  });

  it('has every model change in a migration', async () => {
    // The server's own `postgres` database: makemigrations also checks the applied-migrations history.
    const result = await manage(['makemigrations', '--check', '--dry-run'], { DJANGO_SETTINGS_MODULE: 'config.settings.test', DATABASE_URL: databaseUrl('postgres') });
    expect(result.stdout.trim()).toBe('No changes detected');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports no warnings from check --deploy with the production settings', async () => {
    const result = await manage(['check', '--deploy', '--fail-level', 'WARNING'], {
      DJANGO_SETTINGS_MODULE: 'config.settings.production',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      AWS_STORAGE_BUCKET_NAME: 'media-bucket',
      ALLOWED_HOSTS: 'app.example.com',
      DATABASE_URL: databaseUrl(database),
    });
    expect(result.stdout.trim()).toBe('System check identified no issues (0 silenced).');
    expect(result.stderr).not.toMatch(/WARNINGS|\?: \(security/);
    expect(result.code).toBe(0);
  });

  it('refuses to start production without SECRET_KEY, naming the variable', async () => {
    const result = await manage(['check'], { DJANGO_SETTINGS_MODULE: 'config.settings.production', AWS_STORAGE_BUCKET_NAME: 'b' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('The environment variable SECRET_KEY is required and is not set.');
  });
});
