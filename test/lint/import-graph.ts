// The import graph of src/ and the circles in it (test/lint/import-cycles.test.ts). Every static
// import, `import type`, `export ... from` and literal `import()` counts: a type-only circle still
// ties the modules' meaning together, and is one `import` away from an initialisation-order bug.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Module → the modules it imports, as paths relative to the root the graph was built from. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every .ts file under `dir`, by its path relative to `root` (forward slashes) → its text. */
export function readSources(root: string, dir: string): Map<string, string> {
  const files = readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return new Map(files.map((f) => [path.relative(root, f).split(path.sep).join('/'), readFileSync(f, 'utf8')]));
}

/** `./x.js` → `./x.ts` or `./x/index.ts` when it is one of `sources`; packages → undefined. */
function resolveRelative(from: string, specifier: string, sources: ReadonlyMap<string, string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.posix.join(path.posix.dirname(from), specifier);
  return [target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`].find((c) => sources.has(c));
}

/** Who imports whom among `sources` (path → text, as readSources gives them). */
export function importGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const { importedFiles } = ts.preProcessFile(text, true, false);
    const targets = importedFiles.map((i) => resolveRelative(file, i.fileName, sources)).filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Tarjan's strongly connected components, iteratively (no recursion limit on a deep chain). */
function components(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== top.node);
        found.push(component.sort());
      }
    }
  }
  return found;
}

/** The shortest way from `start` back to itself, staying inside `members`. */
function shortestCycle(graph: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const cycle = [node];
        for (let at = node; at !== start; ) {
          at = previous.get(at)!;
          cycle.unshift(at);
        }
        return [...cycle, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [];
}

/** Modules that import each other, directly or not, and the shortest circle through the first. */
export interface Tangle {
  modules: string[];
  cycle: string[];
}

/** Every tangle in the graph (a module importing itself is one); empty when there is no circle. */
export function findCycles(graph: ImportGraph): Tangle[] {
  return components(graph)
    .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).includes(c[0]!))
    .map((modules) => ({ modules, cycle: shortestCycle(graph, modules[0]!, new Set(modules)) }))
    .sort((a, b) => a.modules[0]!.localeCompare(b.modules[0]!));
}

/** One line per tangle: `a → b → a`, and the other modules caught in it when there are more. */
export function describeCycles(tangles: readonly Tangle[]): string[] {
  return tangles.map(({ modules, cycle }) => {
    const others = modules.filter((m) => !cycle.includes(m));
    return `${cycle.join(' → ')}${others.length > 0 ? ` (tangled with ${others.join(', ')})` : ''}`;
  });
}
