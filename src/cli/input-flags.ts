// The CLI's flags for settings the actions have too: named like the inputs, with the help line and
// default from the action's interface (src/config/interface/actions.ts), so --help says what
// action.yml says.
import type { ActionInterface, InputName, InputSpec } from '../config/interface/spec.js';

/** A flag as command-support's parseFlags and helpText take it (its FlagSpec). */
export interface InputFlag {
  name: string;
  help: string;
  short?: string;
}

/** The one-letter forms, the same for every command that has the flag. */
const SHORT: Record<string, string> = { 'application-name': 'a', 'environment-name': 'e', 'version-label': 'l', bundle: 'b' };

export function inputFlag(name: string, spec: InputSpec, short = SHORT[name]): InputFlag {
  const help = `${spec.help ?? spec.description}${spec.default ? ` (default ${spec.default})` : ''}`;
  return short ? { name, help, short } : { name, help };
}

/** A flag for each of the action's inputs, in its order, but those the CLI has no use for. */
export function actionFlags<A extends ActionInterface>(action: A, opts: { except?: InputName<A>[]; short?: Partial<Record<InputName<A>, string>> } = {}): InputFlag[] {
  const entries = Object.entries(action.inputs) as [InputName<A>, InputSpec][];
  return entries.filter(([name]) => !opts.except?.includes(name)).map(([name, spec]) => inputFlag(name, spec, opts.short?.[name] ?? SHORT[name]));
}
