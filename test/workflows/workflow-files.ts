// The workflow and action files the validation tests read, and helpers to walk them.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** How the reusable workflows and templates name this suite: `<SUITE_REPOSITORY>/<path>@<SUITE_REF>`. */
export const SUITE_REPOSITORY = 'django-eb-pipeline/django-eb-pipeline';
export const SUITE_REF = 'v1';

export type Yaml = Record<string, unknown>;

export interface YamlFile {
  /** path relative to the repository root */
  path: string;
  text: string;
  doc: Yaml;
}

function load(path: string): YamlFile {
  const text = readFileSync(join(repoRoot, path), 'utf8');
  return { path, text, doc: parse(text) as Yaml };
}

function ymlIn(dir: string): string[] {
  const full = join(repoRoot, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${dir}/${name}`);
}

export const reusableWorkflowPaths = (): string[] => ymlIn('.github/workflows');
export const templatePaths = (): string[] => ymlIn('workflows');
export const workflowPaths = (): string[] => [...reusableWorkflowPaths(), ...templatePaths()];

export function actionPaths(): string[] {
  const paths = existsSync(join(repoRoot, 'action.yml')) ? ['action.yml'] : [];
  for (const dir of readdirSync(join(repoRoot, 'actions')).sort()) {
    if (existsSync(join(repoRoot, 'actions', dir, 'action.yml'))) paths.push(`actions/${dir}/action.yml`);
  }
  return paths;
}

export const loadWorkflows = (): YamlFile[] => workflowPaths().map(load);
export const loadActions = (): YamlFile[] => actionPaths().map(load);
export { load as loadYamlFile };

export function asRecord(value: unknown): Yaml {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Yaml) : {};
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface StepRef {
  file: string;
  /** "jobs.<id>.steps[<n>]" or "runs.steps[<n>]" */
  where: string;
  job?: string;
  step: Yaml;
}

/** Every step of every job of a workflow, or of a composite action. */
export function stepsOf(file: YamlFile): StepRef[] {
  const out: StepRef[] = [];
  const jobs = asRecord(file.doc.jobs);
  for (const [job, body] of Object.entries(jobs)) {
    asList(asRecord(body).steps).forEach((step, n) =>
      out.push({ file: file.path, where: `jobs.${job}.steps[${n}]`, job, step: asRecord(step) }),
    );
  }
  asList(asRecord(file.doc.runs).steps).forEach((step, n) =>
    out.push({ file: file.path, where: `runs.steps[${n}]`, step: asRecord(step) }),
  );
  return out;
}

/** Every `uses:` (steps and reusable-workflow jobs) with the raw line it sits on, comment included. */
export function usesOf(file: YamlFile): { where: string; uses: string; line: string }[] {
  const lines = file.text.split('\n');
  const found: { where: string; uses: string; line: string }[] = [];
  const lineOf = (uses: string): string =>
    lines.find((line) => new RegExp(`^\\s*(- )?uses:\\s*${escapeRegExp(uses)}(\\s|$)`).test(line)) ?? '';
  for (const [job, body] of Object.entries(asRecord(file.doc.jobs))) {
    const uses = asRecord(body).uses;
    if (typeof uses === 'string') found.push({ where: `jobs.${job}`, uses, line: lineOf(uses) });
  }
  for (const ref of stepsOf(file)) {
    if (typeof ref.step.uses === 'string') found.push({ where: ref.where, uses: ref.step.uses, line: lineOf(ref.step.uses) });
  }
  return found;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
