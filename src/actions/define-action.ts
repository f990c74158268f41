// The one shape of every JavaScript action: read the inputs through its interface, run the engine
// with a report it fills as it goes, then — whatever happened — set the outputs by their declared
// names and write the job summary; failures become a clean setFailed (runAction). The post step of
// a cancelled job (post.ts) runs in the same entry, for the actions whose action.yml declares one.
import type { InputName, ActionInterface } from '../config/interface/spec.js';
import type { InputReader } from '../config/parse.js';
import type { EngineDeps } from '../engine/deps.js';
import { newReport, noteFailure, type DeployHooks, type DeployReport } from '../engine/report.js';
import { setOutputs, type OutputsOf } from './outputs.js';
import { inFlightHooks, isPostPhase, markMainPhase, runCancelledPost } from './post.js';
import { engineDeps, readActionInput, runAction, safely } from './run-action.js';
import { writeDeploySummary } from './summary.js';

interface Settings {
  applicationName: string;
  environmentName?: string;
  region: string | undefined;
  /** Write the job summary (actions that have a `summary` input). */
  summary?: boolean;
}

export interface ActionDefinition<A extends ActionInterface, In extends Settings, R, V> {
  interface: A;
  readInputs: (get: InputReader<InputName<A>>) => In;
  run: (deps: EngineDeps, inputs: In, report: DeployReport, hooks: DeployHooks) => Promise<R>;
  /** From the report as far as the run got (result: what `run` returned, undefined when it threw). */
  outputs: (report: DeployReport, result: R | undefined, inputs: In) => OutputsOf<A, V>;
  /** The job summary's title; written when the inputs say `summary`. */
  summaryTitle?: (report: DeployReport, inputs: In) => string;
  /** false: action.yml has no post step, so neither the cancelled-job cleanup nor its signal handling. */
  postStep?: false;
}

export type ActionEntry<A extends ActionInterface, In extends Settings, R, V> = (() => Promise<void>) & { definition: ActionDefinition<A, In, R, V> };

export function defineAction<A extends ActionInterface, In extends Settings, R, V>(definition: ActionDefinition<A, In, R, V>): ActionEntry<A, In, R, V> {
  const { interface: action, readInputs, run, outputs, summaryTitle } = definition;
  const entry = async (): Promise<void> => {
    if (definition.postStep !== false) {
      if (isPostPhase()) return runCancelledPost();
      markMainPhase();
    }
    await runAction(action.name, async () => {
      const inputs = readInputs(readActionInput);
      const deps = engineDeps(inputs.region);
      const report = newReport(inputs.applicationName, inputs.environmentName);
      let result: R | undefined;
      try {
        result = await run(deps, inputs, report, inFlightHooks);
      } catch (err) {
        noteFailure(report, err);
        throw err;
      } finally {
        await safely('outputs', () => setOutputs(outputs(report, result, inputs)));
        if (summaryTitle && inputs.summary) await safely('job summary', () => writeDeploySummary(report, summaryTitle(report, inputs)));
      }
    });
  };
  return Object.assign(entry, { definition });
}
