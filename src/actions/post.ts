// The post step (`post-if: cancelled()`) and the main step's own signal handling.
//
// When the job is cancelled the runner sends the main step SIGINT, then SIGTERM 7.5 s later, then
// kills it, and runs the post step with the state the main step saved (GITHUB_STATE):
// - an EB update in flight is aborted if it was the deploy's own, left alone if it was a rollback
//   (src/engine/cancelled.ts); the main step saves it just before each UpdateEnvironment and clears
//   it when the gate has decided;
// - a multipart upload of the bundle left open is aborted (its parts are billed until then). The
//   main step saves it as soon as CreateMultipartUpload answers and clears it once completed or
//   aborted; on SIGINT/SIGTERM it aborts it itself (and removes its scratch directory) before it
//   dies by the same signal, so the post step only finds one when the main step was killed outright;
// - the scratch directory the bundle was zipped into, likewise, is removed.
// Post steps only ever warn.
import { rmSync } from 'node:fs';
import * as core from '@actions/core';
import { errorMessage } from '../config/errors.js';
import { settleCancelledUpdate } from '../engine/cancelled.js';
import type { DeployHooks, InFlightUpdate, OpenUpload } from '../engine/report.js';
import { abortMultipartUpload } from '../bundle/multipart.js';
import { createAwsClients } from '../aws/clients.js';
import { systemClock } from '../engine/clock.js';
import { engineDeps } from './run-action.js';
import { inert } from '../engine/inert.js';

export const STATE_IS_POST = 'isPost';
export const STATE_IN_FLIGHT = 'inFlightUpdate';
export const STATE_OPEN_UPLOAD = 'openUpload';
export const STATE_SCRATCH_DIR = 'scratchDir';

// What the main step has open right now, for its signal handler.
const open: { upload?: OpenUpload | undefined; scratchDir?: string | undefined } = {};

export function isPostPhase(): boolean {
  return core.getState(STATE_IS_POST) === 'true';
}

/** Marks the main step (the post step then knows it is the post step) and takes over SIGINT/SIGTERM. */
let signalsTaken = false;

export function markMainPhase(): void {
  core.saveState(STATE_IS_POST, 'true');
  if (signalsTaken) return;
  signalsTaken = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUpAndDie(signal));
}

export const inFlightHooks: DeployHooks = {
  onUpdateStarting: (update) => core.saveState(STATE_IN_FLIGHT, JSON.stringify(update)),
  onUpdateSettled: () => core.saveState(STATE_IN_FLIGHT, ''),
  onUploadOpened: (upload) => {
    open.upload = upload;
    core.saveState(STATE_OPEN_UPLOAD, JSON.stringify(upload));
  },
  onUploadClosed: () => {
    open.upload = undefined;
    core.saveState(STATE_OPEN_UPLOAD, '');
  },
  onScratchDir: (dir) => {
    open.scratchDir = dir;
    core.saveState(STATE_SCRATCH_DIR, dir ?? '');
  },
};

function describeUpload(u: OpenUpload): string {
  return `the multipart upload of s3://${u.bucket}/${u.key} (upload id ${u.uploadId.slice(0, 16)}…)`;
}

/** Aborts an open upload (bounded: a cancelled job has seconds); true when S3 no longer holds it. */
async function abortOpenUpload(upload: OpenUpload, why: string): Promise<boolean> {
  const { s3 } = createAwsClients({ region: upload.region, clock: systemClock });
  try {
    const result = await abortMultipartUpload(s3, upload, 5000);
    if (result === 'aborted') core.warning(inert(`${why}: aborted ${describeUpload(upload)}`));
    else core.warning(inert(`${why}: could not abort ${describeUpload(upload)}; the bucket's lifecycle rule (AbortIncompleteMultipartUpload) will remove its parts`));
    return result === 'aborted';
  } finally {
    s3.destroy();
  }
}

let dying = false;

/** SIGINT/SIGTERM in the main step: abort what is open, remove the scratch directory, die by the same signal. */
async function cleanUpAndDie(signal: NodeJS.Signals): Promise<void> {
  if (dying) return;
  dying = true;
  const upload = open.upload;
  if (upload && (await abortOpenUpload(upload, `the job was cancelled (${signal}) during the upload`).catch(() => false))) core.saveState(STATE_OPEN_UPLOAD, '');
  if (open.scratchDir) {
    rmSync(open.scratchDir, { recursive: true, force: true });
    core.saveState(STATE_SCRATCH_DIR, '');
  }
  // This handler was a `once`: the signal now has its default action, which ends the process as the runner expects.
  process.kill(process.pid, signal);
}

export async function runCancelledPost(): Promise<void> {
  try {
    const rawUpload = core.getState(STATE_OPEN_UPLOAD);
    if (rawUpload) await abortOpenUpload(JSON.parse(rawUpload) as OpenUpload, 'the job was cancelled during the upload of the bundle');
  } catch (err) {
    core.warning(inert(`post step: could not abort the open upload: ${errorMessage(err)}`));
  }
  // The bundle zipped for a main step that was killed outright (self-hosted runners keep their temp dir).
  const scratch = core.getState(STATE_SCRATCH_DIR);
  if (scratch && /[\\/]eb-pipeline-[^\\/]+$/.test(scratch)) rmSync(scratch, { recursive: true, force: true });
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
