// Every `run:` script in the workflows and composite actions, and the scripts they call, passes
// shellcheck. Scripts run as GitHub runs them (bash -e -o pipefail); `${{ }}` is replaced by a
// plain word first (security.test.ts makes sure run scripts hold none anyway).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadActions, loadWorkflows, repoRoot, stepsOf } from './workflow-files.js';

const run = promisify(execFile);

interface Script {
  name: string;
  text: string;
}

function runScripts(): Script[] {
  const scripts: Script[] = [];
  for (const file of [...loadWorkflows(), ...loadActions()]) {
    for (const ref of stepsOf(file)) {
      if (typeof ref.step.run !== 'string') continue;
      const shell = typeof ref.step.shell === 'string' ? ref.step.shell : 'bash';
      if (shell !== 'bash' && shell !== 'sh') continue;
      const name = `${file.path} ${ref.where}${typeof ref.step.name === 'string' ? ` (${ref.step.name})` : ''}`;
      const text = ref.step.run.replace(/\$\{\{[\s\S]*?\}\}/g, 'EXPRESSION');
      scripts.push({ name, text: `#!/usr/bin/env bash\nset -eo pipefail\n${text}` });
    }
  }
  return scripts;
}

async function shellcheck(text: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('shellcheck', ['--format=gcc', ...args, '-'], (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`shellcheck did not run: ${error.message}`));
      else resolve(`${stdout}${stderr}`);
    });
    child.stdin?.end(text);
  });
}

describe('shellcheck', () => {
  const scripts = runScripts();

  it('finds the run scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(8);
  });

  it.each(scripts.map((s) => [s.name, s.text]))('%s', async (_name, text) => {
    expect(await shellcheck(text)).toBe('');
  });

  it.each(['scripts/build-images.sh', 'scripts/make-bundle.sh', 'actions/django-test/django-test.sh'])(
    '%s',
    async (path) => {
      const { stdout } = await run('shellcheck', ['--format=gcc', join(repoRoot, path)]).catch(
        (error: { stdout: string }) => error,
      );
      expect(stdout).toBe('');
    },
  );

  it('reports a real problem, so an empty report above means something', async () => {
    expect(await shellcheck('#!/usr/bin/env bash\nrm -rf $dir/*\n')).toMatch(/SC2086|SC2115/);
  });
});
