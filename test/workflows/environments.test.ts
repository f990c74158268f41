// Issue 11, in the workflow files: each deploying job assumes the role of ITS GitHub environment
// (vars.AWS_ROLE_ARN read in the job that names `environment:`, never passed by a caller, which
// sees no environment variables); dev builds and runs the dev image with dev settings; production
// deploys only what dev verified (promote-from-environment, always).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../infra/cloudformation.js';
import { runStep } from './run-step.js';
import { asRecord, loadWorkflows, loadYamlFile, repoRoot, reusableWorkflowPaths, stepsOf, templatePaths } from './workflow-files.js';

const ROLE_USERS = ['aws-actions/configure-aws-credentials@', 'django-eb-pipeline/django-eb-pipeline/actions/build-images@'];
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

describe('the role is resolved inside the job that runs in the GitHub environment', () => {
  const roleSteps = loadWorkflows().flatMap((file) =>
    stepsOf(file)
      .filter((ref) => ROLE_USERS.some((prefix) => String(ref.step.uses).startsWith(prefix)) && 'role-to-assume' in asRecord(ref.step.with))
      .map((ref) => ({ file, ref })),
  );

  it('finds the steps that assume a role (deploy.yml, build-images.yml)', () => {
    expect(roleSteps.map(({ file }) => file.path).sort()).toEqual(['.github/workflows/build-images.yml', '.github/workflows/deploy.yml']);
  });

  it.each(roleSteps.map(({ file, ref }) => [`${file.path} ${ref.where}`, file, ref] as const))('%s', (_name, file, ref) => {
    expect(asRecord(ref.step.with)['role-to-assume']).toBe('${{ vars.AWS_ROLE_ARN }}');
    const job = asRecord(asRecord(file.doc.jobs)[ref.job ?? '']);
    const environment = job.environment;
    const name = typeof environment === 'string' ? environment : asRecord(environment).name;
    expect(name, 'the job names the environment whose AWS_ROLE_ARN it reads').toBe('${{ inputs.environment }}');
    const declared = asRecord(asRecord(asRecord(file.doc.on).workflow_call).inputs);
    expect(asRecord(declared.environment).required).toBe(true);
    expect(declared, 'no role input a caller could fill from its own (environment-less) vars').not.toHaveProperty('role-to-assume');
  });

  it('the templates pass no role and name the environment of every AWS job', () => {
    for (const path of templatePaths()) {
      const text = read(path).replace(/^\s*#.*$/gm, '');
      expect(text, path).not.toMatch(/AWS_ROLE_ARN|role-to-assume/);
    }
    const push = asRecord(loadYamlFile('workflows/push-to-deploy.yml').doc.jobs);
    expect(asRecord(asRecord(push.build).with).environment).toBe('dev');
    expect(asRecord(asRecord(push['deploy-dev']).with).environment).toBe('dev');
    const production = asRecord(loadYamlFile('workflows/deploy-production.yml').doc.jobs);
    expect(Object.values(production).map((job) => asRecord(asRecord(job).with).environment)).toEqual(['production']);
  });

  it('the infrastructure template trusts each role for its environment only, matching the jobs', () => {
    const { Resources } = loadTemplate();
    const subject = (role: string): unknown => JSON.stringify(Resources[role]?.Properties?.AssumeRolePolicyDocument).match(/environment:(\w+)/g);
    expect(subject('DevDeployRole')).toEqual(['environment:dev']);
    expect(subject('ProductionDeployRole')).toEqual(['environment:production']);
  });

  const checks = [
    ['.github/workflows/deploy.yml', 'mode', { 'inputs.image-ref': '', 'inputs.version-label': '', 'inputs.promote-from-environment': 'shop-dev' }],
    ['.github/workflows/build-images.yml', 'Check the role variable', {}],
  ] as const;

  it.each(checks)('%s: a missing or malformed AWS_ROLE_ARN fails naming the variable and the environment', async (path, step, contexts) => {
    const run = (role: string) => runStep(path, { step, contexts: { ...contexts, 'inputs.environment': 'production', 'vars.AWS_ROLE_ARN': role } });
    const missing = await run('');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      '::error::variable AWS_ROLE_ARN is not set in the GitHub environment "production": expected the ARN of the role that environment deploys with (Settings → Environments → production → Environment variables; docs/aws-setup.md)',
    );
    const wrong = await run('shop-github-production');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('::error::variable AWS_ROLE_ARN is shop-github-production in the GitHub environment "production"');
    expect((await run('arn:aws:iam::123456789012:role/shop-github-production')).code).toBe(0);
  });
});

describe('dev runs the dev image with dev settings', () => {
  it('push-to-deploy builds target dev, which is docker/Dockerfile.dev with config.settings.dev', () => {
    const build = asRecord(asRecord(loadYamlFile('workflows/push-to-deploy.yml').doc.jobs).build);
    expect(asRecord(build.with).target).toBe('dev');
    expect(read('actions/build-images/action.yml')).toMatch(/docker\/Dockerfile\.<target>/);
    expect(read('docker/Dockerfile.dev')).toMatch(/ENV DJANGO_SETTINGS_MODULE=config\.settings\.dev\b/);
  });

  it('the template sets the same module on the dev environment, production its own', () => {
    const text = read('infra/eb-pipeline.yml');
    const setting = (resource: string): string | undefined => {
      const start = text.indexOf(`\n  ${resource}:\n`);
      const rest = text.slice(start + 1);
      const next = rest.slice(1).search(/\n {2}\w+:\n|\n\S/);
      const block = next === -1 ? rest : rest.slice(0, next + 1);
      return /OptionName: DJANGO_SETTINGS_MODULE, Value: ([\w.]+)/.exec(block)?.[1];
    };
    expect(setting('DevEnvironment')).toBe('config.settings.dev');
    expect(setting('ProductionEnvironment')).toBe('config.settings.production');
  });

  it('dev settings (and what they import) turn on no HTTPS-only behaviour; production settings do', () => {
    const httpsOnly = /^(SECURE_SSL_REDIRECT|SESSION_COOKIE_SECURE|CSRF_COOKIE_SECURE|SECURE_HSTS_SECONDS)\s*=/m;
    for (const file of ['dev.py', '_deployed.py', 'base.py']) expect(read(`django-app/config/settings/${file}`), file).not.toMatch(httpsOnly);
    expect(read('django-app/config/settings/production.py')).toMatch(httpsOnly);
  });
});

describe('production promotes only what dev verified', () => {
  const deploy = loadYamlFile('.github/workflows/deploy.yml');

  it('deploy-production always promotes from the dev environment; a label only narrows it', () => {
    const jobs = Object.values(asRecord(loadYamlFile('workflows/deploy-production.yml').doc.jobs)).map(asRecord);
    for (const job of jobs) {
      expect(asRecord(job.with)['promote-from-environment']).toBe('${{ vars.EB_DEV_ENVIRONMENT }}');
      expect(asRecord(job.with)['image-ref']).toBeUndefined();
    }
  });

  it('deploy.yml hands the source environment to deploy-version, which checks the record (no label read around it)', () => {
    const existing = stepsOf(deploy).find((ref) => ref.step.id === 'existing');
    expect(String(existing?.step.uses)).toMatch(/\/actions\/deploy-version@/);
    expect(asRecord(existing?.step.with)).toMatchObject({
      'promote-from-environment': '${{ inputs.promote-from-environment }}',
      'version-label': '${{ inputs.version-label }}',
    });
    expect(deploy.text).not.toMatch(/describe-environments/);
    const action = asRecord(loadYamlFile('actions/deploy-version/action.yml').doc.inputs);
    expect(String(asRecord(action['promote-from-environment']).description)).toMatch(/eb-pipeline:verified:/);
  });

  it.each(reusableWorkflowPaths().filter((p) => p.endsWith('deploy.yml')))('%s documents the promotion rule on its input', (path) => {
    const inputs = asRecord(asRecord(asRecord(loadYamlFile(path).doc.on).workflow_call).inputs);
    expect(String(asRecord(inputs['promote-from-environment']).description)).toMatch(/Ready and Green/);
  });
});
