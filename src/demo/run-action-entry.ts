// Runs a JavaScript action's committed bundle (dist/<entry>/index.js) the way the GitHub runner
// does: inputs as INPUT_<NAME> variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE files,
// the runner's workflow commands (::group::, ::error::, …) on stdout, which are rendered here
// as readable lines.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ActionRun {
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
  errors: string[];
}

/** Parses a GITHUB_OUTPUT or GITHUB_STATE file: `name=value` lines and `name<<DELIM … DELIM` blocks (last value wins). */
export function parseFileCommands(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Turns one stdout line of an action into what a person reads (null: nothing to show). */
export function renderWorkflowCommand(line: string): string | null {
  const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!command) return line;
  const [, name, , message = ''] = command;
  const text = message.replace(/%0A/g, '\n').replace(/%0D/g, '').replace(/%25/g, '%');
  switch (name) {
    case 'group':
      return `▸ ${text}`;
    case 'endgroup':
    case 'debug':
    case 'add-mask':
    case 'save-state':
      return null;
    case 'error':
      return `✗ error: ${text}`;
    case 'warning':
      return `! warning: ${text}`;
    case 'notice':
      return `• ${text}`;
    default:
      return text;
  }
}

export async function runActionEntry(
  bundle: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  print: (line: string) => void,
): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eb-pipeline-step-'));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'summary.md', GITHUB_STATE: 'state' };
  try {
    for (const file of Object.values(files)) await writeFile(path.join(dir, file), '');
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
    const fileEnv = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(dir, f)]));
    const child = spawn(process.execPath, [bundle], {
      env: { ...process.env, ...env, ...inputEnv, ...fileEnv, GITHUB_ACTIONS: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const errors: string[] = [];
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('::error')) errors.push(line.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n'));
        const shown = renderWorkflowCommand(line);
        if (shown !== null) print(shown);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    if (pending) onData(Buffer.from('\n'));
    return {
      exitCode,
      outputs: parseFileCommands(await readFile(fileEnv.GITHUB_OUTPUT ?? '', 'utf8')),
      summary: await readFile(fileEnv.GITHUB_STEP_SUMMARY ?? '', 'utf8'),
      errors,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
