// One top-level catch for every action: user errors and deploy failures become a clean
// `setFailed`; anything else is a bug, reported with its stack in the debug log.
import * as core from '@actions/core';
import { ConfigurationError, DeployFailedError, errorMessage } from '../config/errors.js';
import type { InputReader } from '../config/parse.js';
import { createAwsClients } from '../aws/clients.js';
import { systemClock } from '../engine/clock.js';
import type { EngineDeps } from '../engine/deps.js';
import { actionsLogger } from './actions-logger.js';
import { inert } from '../engine/inert.js';

export const readActionInput: InputReader = (name) => core.getInput(name);

export function engineDeps(region: string | undefined): EngineDeps {
  const { eb, s3, budget, region: resolved } = createAwsClients({ region, clock: systemClock });
  return { eb, s3, budget, clock: systemClock, log: actionsLogger, region: resolved };
}

export async function runAction(what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ConfigurationError || err instanceof DeployFailedError) {
      core.setFailed(inert(err.message));
    } else {
      core.debug(inert(err instanceof Error ? (err.stack ?? err.message) : String(err)));
      core.setFailed(inert(`${what} failed: ${errorMessage(err)}`));
    }
  }
}

/** Outputs and summaries are written last and must never turn a result into a crash. */
export async function safely(what: string, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    core.warning(inert(`could not write the ${what}: ${errorMessage(err)}`));
  }
}
