// Security rules on every workflow and action: least permissions, pinned third-party actions, no
// expressions inside `run:` (inputs reach scripts only through env:), no stored AWS keys, deploys
// behind a GitHub environment and a concurrency group that never cancels a deploy in flight.
import { describe, expect, it } from 'vitest';
import {
  SUITE_REF,
  SUITE_REPOSITORY,
  asRecord,
  loadActions,
  loadWorkflows,
  loadYamlFile,
  stepsOf,
  usesOf,
  type Yaml,
  type YamlFile,
} from './workflow-files.js';

const workflows = loadWorkflows();
const actions = loadActions();
const everything = [...workflows, ...actions];

const suitePrefix = `${SUITE_REPOSITORY}/`;
const isSuite = (uses: string): boolean => uses.startsWith(suitePrefix) || uses.startsWith(`${SUITE_REPOSITORY}@`);
const DEPLOYING_ACTIONS = [`${SUITE_REPOSITORY}@`, `${suitePrefix}actions/deploy-version@`, `${suitePrefix}actions/rollback@`];
const AWS_ACTIONS = ['aws-actions/configure-aws-credentials@', `${suitePrefix}actions/build-images@`];

function stepUses(job: Yaml): string[] {
  return (Array.isArray(job.steps) ? job.steps : []).map((s) => asRecord(s).uses).filter((u): u is string => typeof u === 'string');
}

/** The reusable workflow a job calls, read from this repository (the suite's own workflows). */
function calledWorkflow(job: Yaml): YamlFile | undefined {
  const uses = job.uses;
  if (typeof uses !== 'string' || !uses.startsWith(`${suitePrefix}.github/workflows/`)) return undefined;
  return loadYamlFile(uses.slice(suitePrefix.length).replace(/@.*$/, ''));
}

function assumesAws(job: Yaml): boolean {
  if (stepUses(job).some((u) => AWS_ACTIONS.some((prefix) => u.startsWith(prefix)))) return true;
  const called = calledWorkflow(job);
  return called !== undefined && Object.values(asRecord(called.doc.jobs)).some((j) => assumesAws(asRecord(j)));
}

function deploys(job: Yaml): boolean {
  if (stepUses(job).some((u) => DEPLOYING_ACTIONS.some((prefix) => u.startsWith(prefix)))) return true;
  const called = calledWorkflow(job);
  return called !== undefined && Object.values(asRecord(called.doc.jobs)).some((j) => deploys(asRecord(j)));
}

const jobsOf = (file: YamlFile): [string, Yaml][] =>
  Object.entries(asRecord(file.doc.jobs)).map(([id, body]) => [id, asRecord(body)]);

describe.each(workflows.map((w) => [w.path, w] as const))('%s', (_path, file) => {
  it('sets top-level permissions to nothing or contents: read', () => {
    expect(file.doc).toHaveProperty('permissions');
    const top = file.doc.permissions;
    expect(typeof top === 'object' && top !== null).toBe(true);
    expect(Object.entries(asRecord(top)).filter(([scope, level]) => !(scope === 'contents' && level === 'read'))).toEqual([]);
  });

  it.each(jobsOf(file))('job %s has least permissions (id-token: write only where AWS is assumed)', (_id, job) => {
    const permissions = asRecord(job.permissions);
    expect(job.permissions, 'every job states its permissions').toBeTypeOf('object');
    const granted = Object.entries(permissions).map(([scope, level]) => `${scope}: ${String(level)}`);
    const allowed = ['contents: read', ...(assumesAws(job) ? ['id-token: write'] : [])];
    expect(granted.filter((g) => !allowed.includes(g))).toEqual([]);
    if (assumesAws(job)) expect(granted).toContain('id-token: write');
  });

  it.each(jobsOf(file).filter(([, job]) => deploys(job)))(
    'deploying job %s is in one concurrency group that never cancels a deploy in flight',
    (_id, job) => {
      const groups = [asRecord(file.doc.concurrency), asRecord(job.concurrency)].filter((c) => c.group !== undefined);
      expect(groups.length, 'a concurrency group on the job or the workflow').toBeGreaterThan(0);
      for (const group of groups) expect(group['cancel-in-progress']).toBe(false);
    },
  );

  it('never cancels a deploy in progress from the workflow level', () => {
    if (jobsOf(file).some(([, job]) => deploys(job))) {
      expect(asRecord(file.doc.concurrency)['cancel-in-progress'] ?? false).toBe(false);
    }
  });

  it('checks out without persisting the token', () => {
    for (const ref of stepsOf(file).filter((r) => String(r.step.uses).startsWith('actions/checkout@'))) {
      expect(asRecord(ref.step.with)['persist-credentials'], ref.where).toBe(false);
    }
  });
});

describe('every workflow and action', () => {
  it('pins third-party actions by full commit SHA with a version comment', () => {
    const problems: string[] = [];
    for (const file of everything) {
      for (const { where, uses, line } of usesOf(file)) {
        if (uses.startsWith('./') || isSuite(uses)) continue;
        if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(uses)) problems.push(`${file.path} ${where}: ${uses} is not pinned by SHA`);
        else if (!/#\s*v\d+\.\d+\.\d+\s*$/.test(line)) problems.push(`${file.path} ${where}: ${uses} lacks a "# vX.Y.Z" comment`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`names the suite's own actions and workflows as ${SUITE_REPOSITORY}/…@${SUITE_REF} (a release commit: @<sha> # vX.Y.Z, scripts/release.sh), never ./ in reusable workflows`, () => {
    const problems: string[] = [];
    for (const file of everything) {
      for (const { where, uses, line } of usesOf(file)) {
        const released = /@[0-9a-f]{40}$/.test(uses) && /#\s*v\d+\.\d+\.\d+\s*$/.test(line);
        if (isSuite(uses) && !uses.endsWith(`@${SUITE_REF}`) && !released) problems.push(`${file.path} ${where}: ${uses} is not @${SUITE_REF}`);
        const reusable = 'workflow_call' in asRecord(file.doc.on);
        if (uses.startsWith('./') && (reusable || file.path.startsWith('workflows/') || file.path.endsWith('action.yml'))) {
          problems.push(`${file.path} ${where}: ${uses} would resolve in the caller's repository`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('puts no ${{ }} expression inside run: (inputs reach scripts through env:)', () => {
    const problems = everything.flatMap((file) =>
      stepsOf(file)
        .filter((ref) => typeof ref.step.run === 'string' && ref.step.run.includes('${{'))
        .map((ref) => `${file.path} ${ref.where}`),
    );
    expect(problems).toEqual([]);
  });

  it('never runs on pull_request_target or workflow_run (untrusted code with a privileged token)', () => {
    for (const file of workflows) {
      const on = file.doc.on;
      const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(asRecord(on));
      expect(events.filter((e) => e === 'pull_request_target' || e === 'workflow_run'), file.path).toEqual([]);
    }
  });

  it('stores no AWS keys and inherits no secrets', () => {
    for (const file of everything) {
      expect(file.text, file.path).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/i);
      expect(file.text, file.path).not.toMatch(/secrets:\s*inherit/);
    }
  });

  it('gives every composite run: step a shell (GitHub refuses one without)', () => {
    const missing = actions.flatMap((file) =>
      stepsOf(file)
        .filter((ref) => typeof ref.step.run === 'string' && ref.step.shell !== 'bash')
        .map((ref) => `${file.path} ${ref.where}`),
    );
    expect(missing).toEqual([]);
  });

  it('runs JavaScript actions on node24, everything else as composite', () => {
    for (const file of actions) {
      expect(['node24', 'composite'], file.path).toContain(asRecord(file.doc.runs).using);
    }
  });
});

describe('production', () => {
  const deployWorkflow = loadYamlFile('.github/workflows/deploy.yml');
  const production = loadYamlFile('workflows/deploy-production.yml');

  it('the deploy job runs in the GitHub environment it is given, one deploy per EB environment', () => {
    const job = asRecord(asRecord(deployWorkflow.doc.jobs).deploy);
    expect(asRecord(job.environment).name).toBe('${{ inputs.environment }}');
    expect(asRecord(job.concurrency).group).toMatch(/inputs\.environment-name/);
    expect(asRecord(job.concurrency)['cancel-in-progress']).toBe(false);
  });

  it('deploy-production is manual, in the "production" environment, never cancelled', () => {
    expect(Object.keys(asRecord(production.doc.on))).toEqual(['workflow_dispatch']);
    const jobs = Object.values(asRecord(production.doc.jobs)).map(asRecord);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(String(job.uses)).toMatch(/\/\.github\/workflows\/deploy\.yml@/);
      expect(asRecord(job.with).environment).toBe('production');
    }
    expect(asRecord(production.doc.concurrency)['cancel-in-progress']).toBe(false);
  });

  it('pull requests never assume an AWS role or deploy', () => {
    const pr = loadYamlFile('workflows/pull-request.yml');
    for (const [, job] of jobsOf(pr)) {
      expect(assumesAws(job)).toBe(false);
      expect(deploys(job)).toBe(false);
    }
  });
});
