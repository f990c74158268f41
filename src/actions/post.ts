// The post step (`post-if: cancelled()`): when the job was cancelled while an update was in
// flight, abort it if it was the deploy's own, leave it alone if it was a rollback (src/engine/cancelled.ts).
// The main step records the update in the job's state (GITHUB_STATE) just before each
// UpdateEnvironment and clears it when the gate has decided; post steps only ever warn.
import * as core from '@actions/core';
import { errorMessage } from '../config/errors.js';
import { settleCancelledUpdate } from '../engine/cancelled.js';
import type { DeployHooks, InFlightUpdate } from '../engine/report.js';
import { engineDeps } from './run-action.js';
import { inert } from '../engine/inert.js';

export const STATE_IS_POST = 'isPost';
export const STATE_IN_FLIGHT = 'inFlightUpdate';

export function isPostPhase(): boolean {
  return core.getState(STATE_IS_POST) === 'true';
}

export function markMainPhase(): void {
  core.saveState(STATE_IS_POST, 'true');
}

export const inFlightHooks: DeployHooks = {
  onUpdateStarting: (update) => core.saveState(STATE_IN_FLIGHT, JSON.stringify(update)),
  onUpdateSettled: () => core.saveState(STATE_IN_FLIGHT, ''),
};

export async function runCancelledPost(): Promise<void> {
  try {
    const raw = core.getState(STATE_IN_FLIGHT);
    if (!raw) {
      core.info('no Elastic Beanstalk update was in flight: nothing to abort');
      return;
    }
    const update = JSON.parse(raw) as InFlightUpdate;
    const deps = engineDeps(update.region);
    await settleCancelledUpdate(deps, update);
  } catch (err) {
    core.warning(inert(`post step: could not handle the update in flight: ${errorMessage(err)}`));
  }
}
