// The layer rules and the injected-clock rule of eslint.config.js fail on broken code, and the
// tree obeys them (the full lint in `npm test` checks every file; this shows the rules can fail).
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { architectureRules } from '../../eslint.config.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, linterOptions: { reportUnusedDisableDirectives: 'off' } }, ...architectureRules],
});

async function messagesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('architecture rules (eslint.config.js)', () => {
  it.each([
    ['src/eb/gate.ts', "import { runAction } from '../actions/run-action.js';"],
    ['src/engine/pipeline.ts', "import type { Command } from '../cli/main.js';"],
    ['src/config/inputs.ts', "import { startEmulator } from '../emulator/index.js';"],
    ['src/aws/retry.ts', "export { main } from '../entries/deploy.js';"],
    ['src/bundle/zip.ts', "import { runDemo } from '../demo/demo.js';"],
  ])('refuses an engine-layer import of a shell or the emulator in %s', async (file, code) => {
    expect(await messagesFor(file, code)).toEqual([expect.stringMatching(/^no-restricted-imports: .*engine layers/)]);
  });

  it.each([
    "import { gate } from '../eb/gate.js';",
    "import { deployPipeline } from '../engine/pipeline.js';",
    "import { zipDirectory } from '../bundle/zip.js';",
    "import { runAction } from '../actions/run-action.js';",
  ])('refuses the emulator importing the engine or a shell: %s', async (code) => {
    expect(await messagesFor('src/emulator/eb-api.ts', code)).toEqual([expect.stringMatching(/^no-restricted-imports: .*emulator stands alone/)]);
  });

  it('allows the layers their own imports and the shells theirs', async () => {
    expect(await messagesFor('src/eb/gate.ts', "import { withRetries } from '../aws/retry.js';\nimport { parse } from '../config/parse.js';")).toEqual([]);
    expect(await messagesFor('src/cli/deploy.ts', "import { deployPipeline } from '../engine/pipeline.js';")).toEqual([]);
    expect(await messagesFor('src/cli/emulator.ts', "import { startEmulator } from '../emulator/index.js';")).toEqual([]);
  });

  it('refuses Date.now() and new Date() in the engine, but not new Date(ms) nor the clock itself', async () => {
    expect(await messagesFor('src/eb/gate.ts', 'export const t = Date.now();')).toEqual([expect.stringMatching(/^no-restricted-syntax: use the injected clock/)]);
    expect(await messagesFor('src/bundle/upload.ts', 'export const t = new Date();')).toEqual([expect.stringMatching(/^no-restricted-syntax: use the injected clock/)]);
    expect(await messagesFor('src/eb/gate.ts', 'export const t = (ms: number) => new Date(ms).toISOString();')).toEqual([]);
    expect(await messagesFor('src/engine/clock.ts', 'export const now = () => Date.now();')).toEqual([]);
    expect(await messagesFor('src/emulator/clock.ts', 'export const now = () => Date.now();')).toEqual([]);
  });

  it('the tree obeys them', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(problems).toEqual([]);
  });
});
