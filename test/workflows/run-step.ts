// Runs one `run:` step of a workflow or composite action the way a GitHub runner does: its `env:`
// with `${{ }}` filled in from given contexts (or the action's input defaults), `bash --noprofile
// --norc -eo pipefail`, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, GITHUB_ACTION_PATH. This checks
// the wiring between the YAML and the scripts (env names, defaults, outputs) without GitHub.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { asRecord, loadYamlFile, repoRoot, stepsOf, type Yaml } from './workflow-files.js';

export interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface StepOptions {
  /** the step's `id`, or its `name` */
  step: string;
  /** values for expressions, e.g. { 'inputs.registry': 'ecr', 'steps.ecr.outputs.registry': 'host' } */
  contexts?: Record<string, string>;
  /** set after the step's env (what a test must change, e.g. BUILDER=podman) */
  env?: Record<string, string>;
  cwd?: string;
}

function findStep(path: string, name: string): Yaml {
  const found = stepsOf(loadYamlFile(path)).find((ref) => ref.step.id === name || ref.step.name === name);
  if (!found) throw new Error(`${path}: no step with id or name "${name}"`);
  return found.step;
}

/** Fills `${{ x }}` where x is a plain context path; anything fancier is refused, not guessed. */
function substitute(text: string, contexts: Record<string, string>, inputDefaults: Yaml, depth = 0): string {
  return text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_match, expression: string) => {
    if (expression in contexts) return contexts[expression] ?? '';
    const input = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
    const fallback = input === undefined ? undefined : asRecord(inputDefaults[input]).default;
    if (typeof fallback === 'string' && depth < 3) return substitute(fallback, contexts, inputDefaults, depth + 1);
    if (typeof fallback === 'number' || typeof fallback === 'boolean') return String(fallback);
    throw new Error(`no value for \${{ ${expression} }}: pass it in contexts`);
  });
}

export async function runStep(path: string, options: StepOptions): Promise<StepRun> {
  const step = findStep(path, options.step);
  if (typeof step.run !== 'string') throw new Error(`${path}: step "${options.step}" is not a run: step`);
  const contexts = options.contexts ?? {};
  const inputs = path.endsWith('action.yml')
    ? asRecord(loadYamlFile(path).doc.inputs)
    : asRecord(asRecord(asRecord(loadYamlFile(path).doc.on).workflow_call).inputs);
  const stepEnv = Object.fromEntries(
    Object.entries(asRecord(step.env)).map(([key, value]) => [key, substitute(typeof value === 'string' ? value : JSON.stringify(value), contexts, inputs)]),
  );

  const work = await mkdtemp(join(tmpdir(), 'eb-pipeline-step-'));
  try {
    const script = join(work, 'step.sh');
    await writeFile(script, substitute(step.run, contexts, inputs));
    const outputFile = join(work, 'output');
    const summaryFile = join(work, 'summary');
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_ACTION_PATH: join(repoRoot, dirname(path)),
      GITHUB_SHA: '3f2a9c1d0b7e5a4f8c6d2e1b0a9f8e7d6c5b4a39',
      RUNNER_TEMP: work,
      ...stepEnv,
      ...options.env,
    };
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: options.cwd ?? repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('error', reject);
      child.once('close', (status) => resolve({ code: status ?? -1, stdout: out, stderr: err }));
    });
    const outputs = Object.fromEntries(
      (await readFile(outputFile, 'utf8'))
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return { code, stdout, stderr, outputs, summary: await readFile(summaryFile, 'utf8') };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
