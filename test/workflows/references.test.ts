// The pieces fit: templates call reusable workflows with inputs that exist (required ones given,
// literal values of the declared type); reusable workflows call suite actions that exist in this
// repository with inputs they declare and read outputs they set; job outputs map to real outputs.
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SUITE_REPOSITORY,
  asRecord,
  loadActions,
  loadWorkflows,
  loadYamlFile,
  repoRoot,
  reusableWorkflowPaths,
  stepsOf,
  templatePaths,
  type Yaml,
} from './workflow-files.js';

const suitePrefix = `${SUITE_REPOSITORY}/`;
const isExpression = (value: unknown): boolean => typeof value === 'string' && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(value);

/** Path in this repository of the action a suite `uses:` names. */
function suiteActionPath(uses: string): string | undefined {
  if (uses.startsWith(`${SUITE_REPOSITORY}@`)) return 'action.yml';
  if (!uses.startsWith(suitePrefix) || uses.includes('/.github/workflows/')) return undefined;
  return `${uses.slice(suitePrefix.length).replace(/@.*$/, '')}/action.yml`;
}

const workflowCalls = loadWorkflows().flatMap((file) =>
  Object.entries(asRecord(file.doc.jobs))
    .map(([id, job]) => ({ file: file.path, id, job: asRecord(job) }))
    .filter(({ job }) => typeof job.uses === 'string' && job.uses.startsWith(suitePrefix)),
);

const actionCalls = [...loadWorkflows(), ...loadActions()].flatMap((file) =>
  stepsOf(file)
    .filter((ref) => typeof ref.step.uses === 'string' && suiteActionPath(ref.step.uses) !== undefined)
    .map((ref) => ({ file: file.path, where: ref.where, job: ref.job, step: ref.step, path: suiteActionPath(String(ref.step.uses)) ?? '' })),
);

function checkInputs(given: Yaml, declared: Yaml, typed: boolean): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const spec = declared[name];
    if (spec === undefined) {
      problems.push(`input "${name}" is not declared (declared: ${Object.keys(declared).join(', ')})`);
      continue;
    }
    const type = asRecord(spec).type;
    if (typed && !isExpression(value) && type !== undefined && typeof value !== type) {
      problems.push(`input "${name}" is declared ${JSON.stringify(type)} but given ${typeof value} ${JSON.stringify(value)}`);
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    const { required, default: fallback } = asRecord(spec);
    if (required === true && fallback === undefined && !(name in given)) problems.push(`required input "${name}" is not given`);
  }
  return problems;
}

describe('templates and workflows call the reusable workflows as declared', () => {
  it('templates call the suite\'s reusable workflows', () => {
    for (const path of templatePaths()) {
      expect(workflowCalls.filter((c) => c.file === path).length, path).toBeGreaterThan(0);
    }
  });

  it.each(workflowCalls.map((c) => [`${c.file} jobs.${c.id}`, c] as const))('%s', (_name, { job }) => {
    const path = String(job.uses).slice(suitePrefix.length).replace(/@.*$/, '');
    expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true);
    const call = asRecord(asRecord(loadYamlFile(path).doc.on).workflow_call);
    expect(call, `${path} is on: workflow_call`).not.toEqual({});
    expect(checkInputs(asRecord(job.with), asRecord(call.inputs), true)).toEqual([]);
    const secrets = Object.keys(asRecord(job.secrets));
    expect(secrets.filter((s) => !(s in asRecord(call.secrets)))).toEqual([]);
  });
});

describe('reusable workflows declare their interface fully', () => {
  it.each(reusableWorkflowPaths().filter((p) => 'workflow_call' in asRecord(loadYamlFile(p).doc.on)))('%s', (path) => {
    const file = loadYamlFile(path);
    const call = asRecord(asRecord(file.doc.on).workflow_call);
    const problems: string[] = [];
    for (const [name, spec] of Object.entries(asRecord(call.inputs))) {
      const { description, type, required, default: fallback } = asRecord(spec);
      if (typeof description !== 'string' || description.length < 10) problems.push(`input ${name}: no description`);
      if (!['string', 'number', 'boolean'].includes(String(type))) problems.push(`input ${name}: no type`);
      if (required !== true && fallback === undefined) problems.push(`input ${name}: optional without a default`);
    }
    const jobs = asRecord(file.doc.jobs);
    for (const [name, spec] of Object.entries(asRecord(call.outputs))) {
      const { description, value } = asRecord(spec);
      if (typeof description !== 'string') problems.push(`output ${name}: no description`);
      const match = /^\$\{\{\s*jobs\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(String(value));
      if (!match) problems.push(`output ${name}: not mapped from a job output`);
      else if (!(String(match[2]) in asRecord(asRecord(jobs[String(match[1])]).outputs))) problems.push(`output ${name}: job output ${match[1]}.${match[2]} missing`);
    }
    expect(problems).toEqual([]);
  });
});

describe('suite actions are called as they are declared', () => {
  it('the reusable workflows use the suite\'s actions', () => {
    expect(actionCalls.filter((c) => c.file.startsWith('.github/')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(actionCalls.map((c) => [`${c.file} ${c.where} → ${c.path}`, c] as const))('%s', (_name, call) => {
    expect(existsSync(join(repoRoot, call.path)), `${call.path} exists`).toBe(true);
    const action = loadYamlFile(call.path).doc;
    expect(checkInputs(asRecord(call.step.with), asRecord(action.inputs), false)).toEqual([]);

    // Every `steps.<id>.outputs.<name>` read in the same job (or composite) names an output the action sets.
    const id = call.step.id;
    if (typeof id !== 'string') return;
    const file = loadYamlFile(call.file);
    const scope = call.job ? JSON.stringify(asRecord(asRecord(file.doc.jobs)[call.job])) : file.text;
    const read = [...scope.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([\\w-]+)`, 'g'))].map((m) => String(m[1]));
    const declared = Object.keys(asRecord(action.outputs));
    expect([...new Set(read)].filter((name) => !declared.includes(name))).toEqual([]);
  });
});

describe('composite actions find their scripts', () => {
  it.each(loadActions().filter((a) => asRecord(a.doc.runs).using === 'composite').map((a) => [a.path, a] as const))(
    '%s',
    (_path, action) => {
      const dir = action.path.replace(/\/?action\.yml$/, '') || '.';
      const scripts = [...action.text.matchAll(/"\$GITHUB_ACTION_PATH\/([^"]+)"/g)].map((m) => join(repoRoot, dir, String(m[1])));
      for (const script of scripts) {
        expect(() => accessSync(script, constants.X_OK), `${script} is executable`).not.toThrow();
      }
    },
  );
});

describe('JavaScript actions run a bundle built from an entry', () => {
  it.each(loadActions().filter((a) => asRecord(a.doc.runs).using === 'node24').map((a) => [a.path, a] as const))(
    '%s',
    (_path, action) => {
      const runs = asRecord(action.doc.runs);
      const dir = action.path.replace(/\/?action\.yml$/, '') || '.';
      for (const key of ['main', 'pre', 'post'].filter((k) => typeof runs[k] === 'string')) {
        const target = join(dir, String(runs[key])).replace(/^\.\//, '');
        const entry = /^dist\/([\w-]+)\/index\.js$/.exec(target)?.[1];
        expect(entry, `${key}: ${target} is dist/<entry>/index.js`).toBeDefined();
        expect(existsSync(join(repoRoot, 'src/entries', `${entry}.ts`)), `src/entries/${entry}.ts exists`).toBe(true);
      }
    },
  );
});

describe('templates read only outputs the called workflows declare', () => {
  it.each(templatePaths())('%s', (path) => {
    const file = loadYamlFile(path);
    const jobs = asRecord(file.doc.jobs);
    const problems: string[] = [];
    for (const match of file.text.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const [, job = '', output = ''] = match;
      const uses = asRecord(jobs[job]).uses;
      if (typeof uses !== 'string') {
        problems.push(`needs.${job}: no such job calling a workflow`);
        continue;
      }
      const called = loadYamlFile(uses.slice(suitePrefix.length).replace(/@.*$/, ''));
      const outputs = asRecord(asRecord(asRecord(called.doc.on).workflow_call).outputs);
      if (!(output in outputs)) problems.push(`needs.${job}.outputs.${output}: ${uses} declares ${Object.keys(outputs).join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});
