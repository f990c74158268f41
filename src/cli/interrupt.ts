// Ctrl-C (SIGINT) or SIGTERM during `eb-pipeline deploy`: undo what this run started before exiting,
// as a cancelled job's sequence does for the action (src/actions/post.ts): abort an open multipart
// upload, remove the scratch directory, and settle the EB update (src/engine/cancelled.ts: abort the
// deploy's own update, send a version that went live ungated back to the last verified one, never
// abort a rollback). A second signal leaves at once. Exit status 130 (SIGINT) or 143 (SIGTERM).
import { rmSync } from 'node:fs';
import { abortMultipartUpload } from '../bundle/multipart.js';
import { errorMessage } from '../config/errors.js';
import { settleCancelledUpdate } from '../engine/cancelled.js';
import type { EngineDeps } from '../engine/deps.js';
import type { DeployHooks, InFlightUpdate, OpenUpload } from '../engine/report.js';

/** How long an interrupted run waits for the environment to settle before it exits anyway. */
const SETTLE_MS = 60_000;

export function undoOnInterrupt(deps: EngineDeps): { hooks: DeployHooks; release: () => void } {
  let inFlight: InFlightUpdate | undefined;
  let upload: OpenUpload | undefined;
  let scratch: string | undefined;
  const hooks: DeployHooks = {
    onUpdateStarting: (update) => (inFlight = update),
    onUpdateSettled: () => (inFlight = undefined),
    onUploadOpened: (opened) => (upload = opened),
    onUploadClosed: () => (upload = undefined),
    onScratchDir: (dir) => (scratch = dir),
  };
  let interrupted = false;
  const undo = async (signal: NodeJS.Signals): Promise<void> => {
    deps.log.warning(`${signal}: undoing what this run started before exiting (${signal} again leaves at once)`);
    if (upload) {
      const where = `the multipart upload of s3://${upload.bucket}/${upload.key}`;
      const result = await abortMultipartUpload(deps.s3, upload);
      deps.log.warning(result === 'aborted' ? `aborted ${where}` : `could not abort ${where}: the bucket's lifecycle rule (AbortIncompleteMultipartUpload) will remove its parts`);
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (inFlight) await settleCancelledUpdate(deps, inFlight, SETTLE_MS);
    else deps.log.info('no Elastic Beanstalk update was started by this run: nothing to undo there');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      deps.log.warning(`${signal} again: leaving now; check the environment (eb-pipeline status)`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    interrupted = true;
    undo(signal)
      .catch((err: unknown) => deps.log.warning(`could not undo everything this run started: ${errorMessage(err)}; check the environment (eb-pipeline status)`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    hooks,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
