// The engine's Logger on a terminal: timestamped progress lines on stdout, warnings and errors on stderr.
import type { Logger } from '../engine/logger.js';

function stamp(): string {
  return new Date().toISOString().slice(11, 19);
}

export function consoleLogger(opts: { debug?: boolean } = {}): Logger {
  return {
    info: (m) => console.log(`${stamp()} ${m}`),
    debug: (m) => {
      if (opts.debug) console.log(`${stamp()} debug: ${m}`);
    },
    warning: (m) => console.error(`${stamp()} warning: ${m}`),
    error: (m) => console.error(`${stamp()} error: ${m}`),
    group: async (name, fn) => {
      console.log(`${stamp()} == ${name}`);
      return fn();
    },
  };
}
