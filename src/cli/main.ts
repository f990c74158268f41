// `eb-pipeline <command>`: one table of commands, each a module exporting `run(argv)`.
import { emulatorCommand } from './emulator.js';
import { deployCommand } from './deploy.js';
import { rollbackCommand } from './rollback.js';
import { pruneCommand } from './prune.js';
import { statusCommand } from './status.js';
import { preflightCommand } from './preflight.js';
import { demoCommand } from './demo.js';
import { ownValue } from '../config/parse.js';
import { verifyPromotionCommand } from './verify-promotion.js';
import { printError } from './console-logger.js';
import type { Command } from './command.js';
import { EXIT_OK, EXIT_USAGE } from './command-support.js';

const commands: Record<string, Command> = {
  deploy: deployCommand,
  rollback: rollbackCommand,
  prune: pruneCommand,
  status: statusCommand,
  'verify-promotion': verifyPromotionCommand,
  preflight: preflightCommand,
  emulator: emulatorCommand,
  demo: demoCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length), 4);
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: eb-pipeline <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n\`eb-pipeline <command> --help\` for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = ownValue(commands, name);
  if (!command) {
    printError(`eb-pipeline: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return command.run(rest);
}

