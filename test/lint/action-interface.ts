// Checks an action's action.yml against its interface table and its code, both ways, and the docs'
// lists of its inputs and outputs. Returns the drift found, one line each ([] when none), so a test
// can show it finding drift in a broken copy as well as none in the real files.
import { isDeepStrictEqual } from 'node:util';
import type { ActionInterface } from '../../src/config/interface/spec.js';
import type { InputReader } from '../../src/config/parse.js';

export interface ActionFacts {
  action: ActionInterface;
  /** action.yml, parsed. */
  yml: unknown;
  /** The code's reader of the action's inputs (readDeployInputs...). */
  readInputs: (get: InputReader) => unknown;
  /** Input values that together take the reader down every path; each a valid set on its own. */
  fixtures: Record<string, string>[];
  /** The output names the code sets when everything is known (a full report). */
  outputsSet: string[];
}

type Entries = Record<string, Record<string, unknown>>;

function entries(yml: unknown, key: 'inputs' | 'outputs'): Entries {
  const section = (yml as Record<string, unknown> | null)?.[key];
  return section && typeof section === 'object' ? (section as Entries) : {};
}

/** A YAML scalar as the runner hands it over: a string ('' when absent). */
function scalar(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function reading(values: Record<string, string>, seen?: Set<string>): InputReader {
  return (name) => {
    seen?.add(name);
    return values[name] ?? '';
  };
}

export function checkAction({ action, yml, readInputs, fixtures, outputsSet }: ActionFacts): string[] {
  const drift: string[] = [];
  const where = action.file;
  const ymlInputs = entries(yml, 'inputs');
  const ymlOutputs = entries(yml, 'outputs');

  // The table and action.yml: the same inputs, required flags and defaults, and descriptions.
  for (const [name, spec] of Object.entries(action.inputs)) {
    const declared = ymlInputs[name];
    if (!declared) {
      drift.push(`${where}: input "${name}" is in the interface but not declared`);
      continue;
    }
    if ((declared.required === true) !== (spec.required === true)) drift.push(`${where}: input "${name}" required: ${String(declared.required)}, the interface says ${String(spec.required === true)}`);
    const ymlDefault = scalar(declared.default);
    if (ymlDefault !== (spec.default ?? '')) drift.push(`${where}: input "${name}" defaults to "${ymlDefault}", the interface to "${spec.default ?? ''}"`);
  }
  for (const name of Object.keys(ymlInputs)) if (!(name in action.inputs)) drift.push(`${where}: input "${name}" is declared but not in the interface`);
  for (const name of Object.keys(ymlOutputs)) if (!(name in action.outputs)) drift.push(`${where}: output "${name}" is declared but not in the interface`);
  for (const name of Object.keys(action.outputs)) if (!(name in ymlOutputs)) drift.push(`${where}: output "${name}" is in the interface but not declared`);
  for (const [kind, section] of [['input', ymlInputs], ['output', ymlOutputs]] as const)
    for (const [name, spec] of Object.entries(section)) if (typeof spec.description !== 'string' || !spec.description.trim()) drift.push(`${where}: ${kind} "${name}" has no description`);

  // The code and action.yml: inputs read = inputs declared.
  const read = new Set<string>();
  for (const fixture of fixtures) readInputs(reading(fixture, read));
  for (const name of read) if (!(name in ymlInputs)) drift.push(`${where}: the code reads input "${name}", which is not declared`);
  for (const name of Object.keys(ymlInputs)) if (!read.has(name)) drift.push(`${where}: input "${name}" is declared but the code never reads it`);

  // Defaults, semantically: action.yml's default (what the runner passes) reads as what the code
  // does with the input left out (what the CLI passes).
  for (const [name, declared] of Object.entries(ymlInputs)) {
    if (declared.default === undefined || declared.default === null || !read.has(name)) continue;
    const ymlDefault = scalar(declared.default);
    for (const fixture of fixtures) {
      if (fixture[name] !== undefined) continue;
      if (!isDeepStrictEqual(readInputs(reading({ ...fixture, [name]: ymlDefault })), readInputs(reading(fixture))))
        drift.push(`${where}: input "${name}": the declared default "${ymlDefault}" reads differently from leaving it out`);
      break;
    }
  }

  // Outputs the code sets ⊆ outputs declared.
  for (const name of outputsSet) if (!(name in ymlOutputs)) drift.push(`${where}: the code sets output "${name}", which is not declared`);
  return drift;
}

/** The backticked words of `text`. */
function codeWords(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

/**
 * docs/actions.md: the deploy action's input table (names, order, defaults) and its outputs line, and
 * each step action's bullet ("inputs `a`, `b` (`default`)...; outputs `x`, `y`.") — every declared
 * name mentioned, no name of another action's interface that this one lacks.
 */
export function checkDocs(markdown: string, actions: readonly ActionInterface[]): string[] {
  const drift: string[] = [];
  const allInputs = new Set(actions.flatMap((a) => Object.keys(a.inputs)));
  const allOutputs = new Set(actions.flatMap((a) => Object.keys(a.outputs)));
  for (const action of actions) {
    const name = action.name;
    let inputsText: string;
    let outputsText: string;
    if (action.file === 'action.yml') {
      const section = markdown.split(/^## /m).find((s) => s.startsWith('Deploy (root `action.yml`)')) ?? '';
      const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \|([^|]*)\|/gm)].map((m) => ({ input: m[1] ?? '', cell: (m[2] ?? '').trim() }));
      if (!isDeepStrictEqual(rows.map((r) => r.input), Object.keys(action.inputs)))
        drift.push(`docs: the deploy input table lists ${rows.map((r) => r.input).join(', ')}; the interface ${Object.keys(action.inputs).join(', ')}`);
      for (const { input, cell } of rows) {
        const spec = action.inputs[input];
        if (!spec) continue;
        const expected = spec.required ? '(required)' : spec.default ? `\`${spec.default}\`` : undefined;
        if (expected !== undefined && cell !== expected) drift.push(`docs: the deploy input table gives "${input}" the default ${cell || '(none)'}, the interface ${expected}`);
      }
      inputsText = rows.map((r) => `\`${r.input}\``).join(' ');
      outputsText = /^Outputs: ([\s\S]*?)\n\n/m.exec(section)?.[1] ?? '';
    } else {
      const bullet = new RegExp(`^- \\*\\*${name}\\*\\* — inputs\\s([^;]*);\\s+outputs\\s([\\s\\S]*?)\\.(\\s|$)`, 'm').exec(markdown);
      if (!bullet) {
        drift.push(`docs: no "- **${name}** — inputs ...; outputs ..." bullet`);
        continue;
      }
      inputsText = bullet[1] ?? '';
      outputsText = bullet[2] ?? '';
      for (const m of inputsText.matchAll(/`([a-z0-9-]+)` \(`([^`]+)`\)/g)) {
        const spec = action.inputs[m[1] ?? ''];
        if (spec && spec.default !== m[2]) drift.push(`docs: ${name}'s "${m[1]}" defaults to "${m[2]}" there, "${spec.default ?? ''}" in the interface`);
      }
    }
    const inputsNamed = new Set(codeWords(inputsText).filter((w) => allInputs.has(w)));
    const outputsNamed = new Set(codeWords(outputsText).filter((w) => allOutputs.has(w)));
    for (const input of Object.keys(action.inputs)) if (!inputsNamed.has(input)) drift.push(`docs: ${name}'s input "${input}" is not listed`);
    for (const input of inputsNamed) if (!(input in action.inputs)) drift.push(`docs: ${name} lists input "${input}", which it does not have`);
    for (const output of Object.keys(action.outputs)) if (!outputsNamed.has(output)) drift.push(`docs: ${name}'s output "${output}" is not listed`);
    for (const output of outputsNamed) if (!(output in action.outputs)) drift.push(`docs: ${name} lists output "${output}", which it does not have`);
  }
  return drift;
}
