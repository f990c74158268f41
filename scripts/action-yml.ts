// action.yml's `inputs:` and `outputs:` generated from the actions' interface tables
// (src/config/interface/actions.ts); the rest of each file (name, description, branding, runs) is
// written by hand. `npm run generate:action-yml` rewrites them; test/lint/action-interface.test.ts
// fails when one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { ACTIONS } from '../src/config/interface/actions.js';
import type { ActionInterface } from '../src/config/interface/spec.js';

const MARK = '# inputs and outputs: generated from src/config/interface/actions.ts (npm run generate:action-yml)';

function section(action: ActionInterface): string {
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [
      name,
      spec.required ? { description: spec.description, required: true } : { description: spec.description, required: false, default: spec.default ?? '' },
    ]),
  );
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, spec]) => [name, { description: spec.description }]));
  return `${MARK}\n${stringify({ inputs, outputs }, { lineWidth: 0, singleQuote: true })}`;
}

/** `text` (an action.yml) with its inputs and outputs, everything from `inputs:` to `runs:`, from the table. */
export function renderActionYml(text: string, action: ActionInterface): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === MARK || l === 'inputs:');
  const end = lines.findIndex((l) => l === 'runs:');
  if (start < 0 || end < start) throw new Error(`${action.file}: expected "inputs:" before "runs:" at the top level`);
  return [...lines.slice(0, start), section(action).trimEnd(), ...lines.slice(end)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  for (const action of ACTIONS) {
    const file = join(root, action.file);
    const before = readFileSync(file, 'utf8');
    const after = renderActionYml(before, action);
    if (after !== before) writeFileSync(file, after);
    console.log(`${after === before ? 'fresh    ' : 'rewritten'} ${action.file}`);
  }
}
