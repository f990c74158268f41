// No module of src/ imports itself through others, type-only imports included: a command does not
// import the table of commands, a deployment policy not the module that calls it. test/lint/import-graph.ts
// builds the graph from the sources (TypeScript's own import scanner) and finds the circles.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCycles, findCycles, importGraph, readSources } from './import-graph.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('import circles', () => {
  it('src/ has none', () => {
    const sources = readSources(root, 'src');
    const graph = importGraph(sources);
    expect(graph.size).toBeGreaterThan(100);
    // The CLI's table imports every command, and the commands what they share, never the table.
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/deploy.ts');
    expect(describeCycles(findCycles(graph))).toEqual([]);
  });

  it('finds the circles of a deliberately circular fixture: type-only, re-exports, import(), a module importing itself', () => {
    const sources = new Map([
      ['src/cli/main.ts', "import { deployCommand } from './deploy.js';\nimport { statusCommand } from './status.js';"],
      ['src/cli/deploy.ts', "import type { Command } from './main.js';\nimport { x } from '../engine/index.js';"],
      ['src/cli/status.ts', "import { type Command } from './command.js';"],
      ['src/cli/command.ts', 'export interface Command { summary: string }'],
      ['src/engine/index.ts', "export * from './a.js';"],
      ['src/engine/a.ts', "export { b } from './b.js';\nimport fs from 'node:fs';"],
      ['src/engine/b.ts', "export const b = 1;\nconst later = () => import('./index.js');"],
      ['src/engine/c.ts', "import { c } from './c.js';\nimport { b } from './b.js';"],
    ]);
    const graph = importGraph(sources);
    expect(graph.get('src/engine/a.ts')).toEqual(['src/engine/b.ts']);
    expect(graph.get('src/cli/status.ts')).toEqual(['src/cli/command.ts']);
    expect(findCycles(graph).map((t) => t.cycle)).toEqual([
      ['src/cli/deploy.ts', 'src/cli/main.ts', 'src/cli/deploy.ts'],
      ['src/engine/a.ts', 'src/engine/b.ts', 'src/engine/index.ts', 'src/engine/a.ts'],
      ['src/engine/c.ts', 'src/engine/c.ts'],
    ]);
  });

  it('names every module of a tangle, not only the circle it prints', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['a', 'c']],
      ['c', ['b']],
      ['d', ['a']],
    ]);
    expect(describeCycles(findCycles(graph))).toEqual(['a → b → a (tangled with c)']);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });
});
