// Static checks of what ships: every Dockerfile passes dockerfile-utils with every rule on, and the
// EB side of the bundle (Dockerrun.aws.json, .ebextensions, .platform) says what the stack needs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { DOCKER_DIR, PYTHON } from './support/django.js';
import { run } from './support/processes.js';

const EB_DIR = path.join(DOCKER_DIR, 'eb');
const dockerfiles = readdirSync(DOCKER_DIR).filter((name) => name.startsWith('Dockerfile.')).sort();

// Numeric enums: a string here would silently switch the rule off.
const everyRuleAsWarning: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
};

describe('Dockerfiles', () => {
  it('are the base and the three layered images', () => {
    expect(dockerfiles).toEqual(['Dockerfile.base', 'Dockerfile.dev', 'Dockerfile.local', 'Dockerfile.production']);
  });

  it.each(dockerfiles)('%s has zero dockerfile-utils findings', (name) => {
    const text = readFileSync(path.join(DOCKER_DIR, name), 'utf8');
    expect(validate(text, everyRuleAsWarning)).toEqual([]);
  });

  it('the linter does flag a broken Dockerfile (the check can fail)', () => {
    const findings = validate('from debian\nWORKDIR relative\nCMD ["a"]\nCMD ["b"]\nEXPOSE 99999\n', everyRuleAsWarning);
    expect(findings.length).toBeGreaterThanOrEqual(3);
  });

  it.each(['dev', 'local', 'production'])('Dockerfile.%s layers on ARG BASE_IMAGE with its settings module, 7999 and a non-root user', (kind) => {
    const text = readFileSync(path.join(DOCKER_DIR, `Dockerfile.${kind}`), 'utf8');
    expect(text).toMatch(/^ARG BASE_IMAGE=.*\nFROM \$\{BASE_IMAGE\}$/m);
    expect(text).toContain(`DJANGO_SETTINGS_MODULE=config.settings.${kind}`);
    expect(text).toMatch(/^EXPOSE 7999$/m);
    expect(text).toMatch(/^USER app$/m);
    expect(text).toMatch(/^CMD \["supervisord", "-c", "\/etc\/stack\/supervisord\.conf"\]$/m);
  });
});

describe('EB bundle files', () => {
  it('Dockerrun.aws.json v1 names an image placeholder, container port 7999 and the bundle-version mount', () => {
    const dockerrun = JSON.parse(readFileSync(path.join(EB_DIR, 'Dockerrun.aws.json'), 'utf8')) as Record<string, unknown>;
    expect(dockerrun).toEqual({
      AWSEBDockerrunVersion: '1',
      Image: { Name: '${IMAGE}' },
      Ports: [{ ContainerPort: 7999 }],
      Volumes: [{ HostDirectory: '/var/app/current/bundle-version', ContainerDirectory: '/run/bundle' }],
    });
  });

  it('there are no .ebextensions: every setting lives on the environment (infra/eb-pipeline.yml), so Immutable deploys accept the bundle', () => {
    expect(existsSync(path.join(EB_DIR, '.ebextensions'))).toBe(false);
  });

  it("EB's nginx accepts the same body size as the container's nginx", () => {
    const outer = readFileSync(path.join(EB_DIR, '.platform/nginx/conf.d/client_max_body_size.conf'), 'utf8');
    const inner = readFileSync(path.join(DOCKER_DIR, 'nginx/nginx.conf'), 'utf8');
    const size = (text: string) => /client_max_body_size (\d+)[mM];/.exec(text)?.[1];
    expect(size(outer)).toBe('20');
    expect(size(inner)).toBe(size(outer));
  });

  it('the postdeploy migration hook is executable, shellcheck-clean and runs migrate_with_lock', async () => {
    const hook = path.join(EB_DIR, '.platform/hooks/postdeploy/01-migrate.sh');
    expect(statSync(hook).mode & 0o111).toBe(0o111);
    const shellcheck = await run('shellcheck', ['--severity=style', hook]);
    expect(shellcheck.stdout + shellcheck.stderr).toBe('');
    expect(shellcheck.code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('manage.py migrate_with_lock');
  });
});

describe('docker/render_config.py (the one substitution mechanism)', () => {
  const renderer = path.join(DOCKER_DIR, 'render_config.py');
  const paths = ['PROJECT_DIR=/p', 'STATIC_ROOT=/s', 'RUN_DIR=/r', 'CONF_DIR=/c', 'STACK_DIR=/k', 'PYTHON=/usr/bin/python3'];

  it('renders every template with every placeholder filled', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'render-'));
    try {
      const result = await run(PYTHON, [renderer, out, 'PORT=7999', ...paths]);
      expect(result.code, result.stderr).toBe(0);
      for (const name of ['nginx.conf', 'uwsgi.ini', 'supervisord.conf']) {
        const text = readFileSync(path.join(out, name), 'utf8');
        expect(text).not.toMatch(/\$\{/);
      }
      expect(readFileSync(path.join(out, 'uwsgi.ini'), 'utf8')).toContain('socket = /r/uwsgi.sock');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.each([
    [['PORT=http', ...paths], "PORT must be a TCP port number, got 'http'"],
    [['PORT=7999', ...paths.slice(1)], 'no value given for ${PROJECT_DIR}'],
    [['PORT=7999', ...paths, 'USER=root'], "unknown names ['USER']"],
  ])('refuses %j with a clear error', async (args, message) => {
    const out = mkdtempSync(path.join(tmpdir(), 'render-'));
    try {
      const result = await run(PYTHON, [renderer, out, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
