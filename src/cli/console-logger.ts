// The engine's Logger on a terminal: timestamped progress lines on stdout, warnings and errors on stderr.
import { inert } from '../engine/inert.js';
import type { Logger } from '../engine/logger.js';

// The CLI runs in workflow `run:` steps too, where the runner reads stdout and stderr for workflow
// commands: every line goes through `inert` (src/engine/inert.ts).
export function printLine(line: string): void {
  console.log(inert(line));
}

export function printError(line: string): void {
  console.error(inert(line));
}

function stamp(): string {
  return new Date().toISOString().slice(11, 19);
}

export function consoleLogger(opts: { debug?: boolean } = {}): Logger {
  return {
    info: (m) => printLine(`${stamp()} ${m}`),
    debug: (m) => {
      if (opts.debug) printLine(`${stamp()} debug: ${m}`);
    },
    warning: (m) => printError(`${stamp()} warning: ${m}`),
    error: (m) => printError(`${stamp()} error: ${m}`),
    group: async (name, fn) => {
      printLine(`${stamp()} == ${name}`);
      return fn();
    },
  };
}
