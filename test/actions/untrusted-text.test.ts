// Untrusted text is inert, through the real deploy action: a health URL whose body holds workflow
// commands (after newlines, CRs, mid-line legacy ones), a version label read back from AWS holding a
// legacy command, and an EB processing failure whose reason holds them. The runner's own parsers
// (actions/runner ActionCommand.TryParseV2 / TryParse) are mimicked over every line of stdout and
// stderr: the only commands are the ones our code writes (annotations, groups, debug).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('untrusted-text');

// Every command the runner registers (ActionCommandManager: the command extensions + stop-commands).
const REGISTERED = new Set(['add-mask', 'stop-commands', 'set-output', 'set-env', 'save-state', 'add-path', 'add-matcher', 'remove-matcher', 'debug', 'warning', 'error', 'notice', 'group', 'endgroup', 'echo']);
// What our code writes through @actions/core (outputs and state go to files).
const OURS = new Set(['debug', 'warning', 'error', 'notice', 'group', 'endgroup']);

/** The workflow commands the runner would execute from this output, as it parses them. */
function workflowCommands(output: string): { name: string; line: string }[] {
  const found: { name: string; line: string }[] = [];
  for (const line of output.split(/\r\n|\r|\n/)) {
    const v2 = line.trimStart();
    if (v2.startsWith('::')) {
      const end = v2.indexOf('::', 2);
      const name = end < 0 ? '' : (v2.slice(2, end).split(' ')[0] ?? '');
      if (REGISTERED.has(name)) {
        found.push({ name, line });
        continue;
      }
    }
    const legacy = line.indexOf('##[');
    const close = legacy < 0 ? -1 : line.indexOf(']', legacy);
    if (close > 0) {
      const name = line.slice(legacy + 3, close).split(' ')[0] ?? '';
      if (REGISTERED.has(name)) found.push({ name, line });
    }
  }
  return found;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entries/cli.ts', ...args], { env: { ...process.env, ...h.emulator.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const HOSTILE_BODY = [
  'service ok <b>bold</b>',
  '::add-mask::body-secret',
  '  ::stop-commands::body-token',
  '::error::a fake failure from the body',
  'x ##[add-mask]body-legacy',
].join('\n') + '\r::set-output name=health::hijacked';
// A label AWS hands back (the version the environment ran) with a legacy command in it.
const HOSTILE_LABEL = 'v1-##[add-mask]label-secret';

describe('deploy action: untrusted text never becomes a workflow command', () => {
  it('a hostile health body and a hostile rollback label: the only commands are ours', async () => {
    await createEnvironmentReady(h, { app: 'hostile', env: 'hostile-dev', label: HOSTILE_LABEL, appOptions: { healthBody: `${HOSTILE_LABEL} ok\n::add-mask::v1-secret` } });
    const cname = (await describeEnv(h.eb, 'hostile-dev')).CNAME;
    const dir = await bundle('v2', { version: 'v2', healthBody: HOSTILE_BODY });
    const r = await runEntry('deploy', {
      inputs: { ...deployInputs('hostile', 'hostile-dev', dir), 'version-label': 'v2', 'health-url': `http://${cname}/health`, 'health-url-expect-version': 'true' },
      env: h.emulator.env,
    });
    expect(r.code).toBe(1);
    const output = `${r.stdout}\n${r.stderr}`;
    // The hostile text did reach the log (defused), so this test can fail.
    expect(r.stdout).toContain('\\::add-mask::body-secret');
    expect(r.stdout).toContain('##\\[add-mask]label-secret');
    const commands = workflowCommands(output);
    expect(commands.filter((c) => !OURS.has(c.name))).toEqual([]);
    // Our one failure annotation, and no error annotation made up by the body.
    expect(r.errors.filter((e) => e.includes('a fake failure from the body') && !e.startsWith('deploy of "v2" failed'))).toEqual([]);
    expect(r.errors.at(-1)).toMatch(/deploy of "v2" failed: .*health URL does not name "v2".*Rolled back to "v1-##\\\[add-mask\]label-secret"/s);
    expect(r.outputs['rolled-back']).toBe('true');
    expect(r.outputs.health).not.toBe('hijacked');
    expect(r.summary).not.toContain('<b>bold');
    expect(r.summary).toContain('&lt;b&gt;bold');
    const env = await describeEnv(h.eb, 'hostile-dev');
    expect(env.VersionLabel).toBe(HOSTILE_LABEL);
    expect(await servedVersion(env.CNAME)).toBe(HOSTILE_LABEL);
  }, 120_000); // an environment made Ready, then a deploy, its gate and a gated rollback

  it('an EB processing failure whose reason holds commands: the only commands are ours', async () => {
    h.emulator.faults.failProcessing('v3', 'Configuration files cannot be parsed\n::add-mask::eb-secret\r\n::stop-commands::eb-token\nsee ##[add-mask]eb-legacy');
    const dir = await bundle('v3', { version: 'v3' });
    const r = await runEntry('deploy', { inputs: { ...deployInputs('hostile', 'hostile-dev', dir), 'version-label': 'v3' }, env: h.emulator.env });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(/could not process application version "v3": .*Configuration files cannot be parsed/);
    expect(`${r.stdout}\n${r.summary}`).toContain('eb-secret');
    expect(workflowCommands(`${r.stdout}\n${r.stderr}`).filter((c) => !OURS.has(c.name))).toEqual([]);
  });

  it('the CLI in a run: step (status, text and JSON): no command at all', async () => {
    for (const args of [['status', '-a', 'hostile', '-e', 'hostile-dev'], ['status', '-a', 'hostile', '-e', 'hostile-dev', '--json', 'true']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/label-secret/);
      expect(workflowCommands(`${r.stdout}\n${r.stderr}`)).toEqual([]);
    }
    // preflight names the rollback target (the hostile label AWS hands back) in its checks.
    const pre = await cli(['preflight', '-a', 'hostile', '-e', 'hostile-dev', '-l', 'v9']);
    expect(pre.stdout).toMatch(/rollback target: .*label-secret/);
    expect(workflowCommands(`${pre.stdout}\n${pre.stderr}`)).toEqual([]);
  });
});
