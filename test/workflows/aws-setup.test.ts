// docs/aws-setup.md as a new user follows it, where the emulator can answer: the shell blocks marked
// `<!-- emulator: NAME -->` run as written (bash, awscli pointed at the emulator) against the state
// the earlier steps leave — the template's application and two Ready environments (step 4), the
// first push's dev deploy (step 10, the deploy action as deploy-dev runs it), the promotion
// (step 12, deploy-version with promote-from-environment as deploy-production runs it).
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployInputs, runEntry, useBundleDir } from '../actions/run-entry.js';
import { createEnvironmentReady, useEmulator } from '../support/emulator.js';
import { repoRoot } from './workflow-files.js';

const h = useEmulator();
const bundle = useBundleDir('aws-setup-doc');

/** The doc's shell blocks that carry an emulator marker, by name. */
async function markedBlocks(): Promise<Map<string, string>> {
  const doc = await readFile(join(repoRoot, 'docs/aws-setup.md'), 'utf8');
  return new Map([...doc.matchAll(/<!-- emulator: ([\w-]+) -->\n```sh\n([\s\S]*?)```/g)].map((m) => [String(m[1]), String(m[2])]));
}

describe('docs/aws-setup.md against the emulator', () => {
  let bin: string;
  let blocks: Map<string, string>;

  beforeAll(async () => {
    blocks = await markedBlocks();
    // awscli here ignores AWS_ENDPOINT_URL_*: this `aws` adds the emulator's endpoint, nothing else.
    bin = await mkdtemp(join(tmpdir(), 'eb-pipeline-doc-bin-'));
    await writeFile(join(bin, 'aws'), `#!/bin/sh\nexec /usr/bin/aws --endpoint-url "${h.emulator.ebEndpoint}" "$@"\n`);
    await chmod(join(bin, 'aws'), 0o755);
  });
  afterAll(async () => {
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  const run = (name: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const script = blocks.get(name);
    if (!script) throw new Error(`docs/aws-setup.md has no block marked <!-- emulator: ${name} -->`);
    return new Promise((resolve) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-euo', 'pipefail', '-c', script], {
        env: { ...process.env, ...h.emulator.env, PATH: `${bin}:/usr/bin:/bin`, APP: 'shop', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  };

  it('marks the three steps it checks', () => {
    expect([...blocks.keys()]).toEqual(['environments-ready', 'dev-green', 'production-green']);
  });

  it('step 9 → 10 → 11 → 12: both Ready, the first push Green and verified on dev, production on the same label', async () => {
    // What step 4's template leaves: the application, shop-dev and shop-production on a sample version.
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-dev', label: 'sample-dev' });
    await createEnvironmentReady(h, { app: 'shop', env: 'shop-production', label: 'sample-production' });

    const ready = await run('environments-ready');
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout.trim().split('\n').sort()).toEqual(['shop-dev\tReady\tGreen', 'shop-production\tReady\tGreen']);

    // Step 10: the push's deploy-dev job (the deploy action, with the label make-bundle derives).
    const label = '3f2a9c1d0b7e-8d41c0ffee12';
    const push = await runEntry('deploy', { inputs: { ...deployInputs('shop', 'shop-dev', await bundle(label, { version: label })), 'version-label': label }, env: h.emulator.env });
    expect(push.code, push.stdout).toBe(0);

    const green = await run('dev-green');
    expect(green.code, green.stderr).toBe(0);
    const [status, tags, healthz] = green.stdout.trim().split('\n');
    expect(status).toBe(`shop-dev: Ready Green on ${label}`);
    expect(tags).toBe('eb-pipeline:verified:shop-dev');
    expect(JSON.parse(healthz ?? '{}')).toMatchObject({ version: label });

    // Step 12: deploy-production's job promotes from dev.
    const promote = await runEntry('deploy-version', {
      inputs: { 'application-name': 'shop', 'environment-name': 'shop-production', 'promote-from-environment': 'shop-dev', 'deploy-timeout': '40s' },
      env: h.emulator.env,
    });
    expect(promote.code, promote.stdout).toBe(0);
    const production = await run('production-green');
    expect(production.code, production.stderr).toBe(0);
    expect(production.stdout.trim().split('\n').sort()).toEqual([`shop-dev\tReady\tGreen\t${label}`, `shop-production\tReady\tGreen\t${label}`]);
  }, 120_000);
});
