// The actions as GitHub runs them: the committed ncc bundles (dist/<entry>/index.js), copied to a
// temp dir first so that a rebuild of dist/ during the bench cannot change what is measured, and
// run with INPUT_* variables and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE files.
import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFileCommands } from '../../src/demo/run-action-entry.js';
import { NODE24, runProcess, type ProcessRun, type RunOptions } from './processes.js';

export const ACTION_ENTRIES = ['deploy', 'deploy-version', 'upload-bundle'] as const;
export type ActionEntry = (typeof ACTION_ENTRIES)[number];

export interface ActionBundles {
  dir: string;
  /** mtime of dist/deploy/index.js, printed so readers know which build was measured. */
  builtAt: Date;
  entry(name: ActionEntry): string;
}

export async function snapshotActionBundles(repoRoot: string, into: string): Promise<ActionBundles> {
  const dir = path.join(into, 'dist');
  for (const name of ACTION_ENTRIES) {
    const source = path.join(repoRoot, 'dist', name);
    await stat(path.join(source, 'index.js')).catch(() => {
      throw new Error(`dist/${name}/index.js is missing: run \`npm run build\` first`);
    });
    await cp(source, path.join(dir, name), { recursive: true });
  }
  const { mtime } = await stat(path.join(repoRoot, 'dist', 'deploy', 'index.js'));
  return { dir, builtAt: mtime, entry: (name) => path.join(dir, name, 'index.js') };
}

export interface ActionResult extends ProcessRun {
  outputs: Record<string, string>;
}

export async function runActionBundle(
  bundles: ActionBundles,
  name: ActionEntry,
  inputs: Record<string, string>,
  env: Record<string, string>,
  opts: Omit<RunOptions, 'env'> = {},
): Promise<ActionResult> {
  const work = await mkdtemp(path.join(bundles.dir, '..', `run-${name}-`));
  const files = { GITHUB_OUTPUT: path.join(work, 'output'), GITHUB_STEP_SUMMARY: path.join(work, 'summary.md'), GITHUB_STATE: path.join(work, 'state') };
  for (const file of Object.values(files)) await writeFile(file, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  const run = await runProcess(NODE24, [bundles.entry(name)], { ...opts, env: { ...env, ...inputEnv, ...files, GITHUB_ACTIONS: 'true' } });
  return { ...run, outputs: parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8')) };
}

/** The `::error::` lines of a run, for a failure message. */
export function actionErrors(run: ProcessRun): string {
  return run.stdout.split('\n').filter((l) => l.startsWith('::error')).map((l) => l.replace(/^::error[^:]*::/, '')).join(' | ');
}
