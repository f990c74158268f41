// The shape of an action's interface, declared once per action (src/config/interface/actions.ts):
// from it action.yml's inputs and outputs are generated (scripts/action-yml.ts), config/inputs.ts
// reads the inputs with their defaults, the actions set their outputs by name, and the CLI builds
// its flags' help lines.
import type { InputReader } from '../parse.js';

export interface InputSpec {
  /** One line: action.yml's description and the docs'. */
  description: string;
  required?: true;
  /**
   * What the runner passes when a workflow leaves the input out, as action.yml writes it. '' (or
   * none) when the code derives the value (e.g. the version label) or it is optional.
   */
  default?: string;
  /** The CLI's --help line when shorter than the description; the default is appended to it. */
  help?: string;
}

export interface OutputSpec {
  description: string;
}

export interface ActionInterface<I extends string = string, O extends string = string> {
  /** The action's name in messages ("deploy failed: ..."), and its folder under actions/ (root: deploy). */
  name: string;
  /** action.yml's path from the repository root. */
  file: string;
  inputs: Record<I, InputSpec>;
  outputs: Record<O, OutputSpec>;
}

export type InputName<A> = A extends ActionInterface<infer I, string> ? I : never;
export type OutputName<A> = A extends ActionInterface<string, infer O> ? O : never;
export type OutputValue = string | number | boolean | undefined;
/** Values for some of an action's outputs, by their declared names; undefined ones are not set. */
export type OutputValues<O extends string> = Partial<Record<O, OutputValue>>;

/** Keeps the literal input and output names, so readers and setters are checked against them. */
export function defineInterface<I extends string, O extends string>(action: ActionInterface<I, O>): ActionInterface<I, O> {
  return action;
}

/**
 * Reads inputs as the runner hands them over: an input left out (or blank) reads as its declared
 * default. On a runner core.getInput already returns action.yml's default; the CLI's flags and tests
 * get the same values through this.
 */
export function withDefaults<N extends string>(inputs: Record<N, InputSpec>, get: InputReader<N>): InputReader<N> {
  return (name) => get(name).trim() || (inputs[name].default ?? '');
}
