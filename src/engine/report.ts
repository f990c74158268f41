// What a run did, filled in as it goes, so outputs and the summary can be written even when a
// phase fails half-way (the bundle hash and key are known before a processing failure, etc.).
import type { InstanceState } from '../eb/gate.js';
import { formatDescribeUse, type DescribeUse } from '../aws/describe-budget.js';
import type { EngineDeps } from './deps.js';
import type { SeenEvent } from '../eb/events.js';
import { errorMessage } from '../config/errors.js';

/**
 * How a run ended. `rolled-back`: the new version went live (EB finished the update on it), failed
 * its gate, and the rollback target serves again. `aborted`: it failed before it ever went live
 * (EB's own undo, an update that did not finish) and the rollback target serves again.
 * `superseded`: another actor's update replaced it while it was gated; nothing was undone.
 */
export type Outcome = 'pending' | 'deployed' | 'rolled-back' | 'aborted' | 'superseded' | 'failed' | 'needs-attention';

export interface DeployReport {
  applicationName: string;
  environmentName: string | undefined;
  versionLabel: string | undefined;
  previousVersionLabel: string | undefined;
  /** Where a failed deploy goes back to, and why that one (src/eb/release-record.ts). */
  rollbackTarget: string | undefined;
  rollbackTargetWhy: string | undefined;
  /** deploy-version with promote-from-environment: why the version may be promoted (src/eb/promotion.ts). */
  promotion: string | undefined;
  /** Verdicts that could not be written to the verified-release record. */
  recordWarnings: string[];
  environmentUrl: string | undefined;
  health: string | undefined;
  rolledBack: boolean;
  /** The environment was seen Ready on the new version (its update finished there: it served). */
  wentLive: boolean;
  /** The label another actor's update put on the environment while this run gated its own. */
  supersededBy: string | undefined;
  deploySeconds: number | undefined;
  bundle: { sha256: string; size: number; bucket: string | undefined; key: string | undefined; uploadedBytes: number | undefined } | undefined;
  versionReused: boolean | undefined;
  outcome: Outcome;
  message: string | undefined;
  instances: InstanceState[];
  events: SeenEvent[];
  /** The run's EB describe calls (every one, the preflight's included) and their rate: the budget's own count. */
  describe: DescribeUse | undefined;
}

export function newReport(applicationName: string, environmentName?: string): DeployReport {
  return {
    applicationName,
    environmentName,
    versionLabel: undefined,
    previousVersionLabel: undefined,
    rollbackTarget: undefined,
    rollbackTargetWhy: undefined,
    promotion: undefined,
    recordWarnings: [],
    environmentUrl: undefined,
    health: undefined,
    rolledBack: false,
    wentLive: false,
    supersededBy: undefined,
    deploySeconds: undefined,
    bundle: undefined,
    versionReused: undefined,
    outcome: 'pending',
    message: undefined,
    instances: [],
    events: [],
    describe: undefined,
  };
}

/**
 * A run that failed before the gate decided anything (a refused bundle, an upload or processing
 * error) ends 'failed' with the error as its message, so outputs and the summary say why.
 */
export function noteFailure(report: DeployReport, err: unknown): void {
  if (report.outcome !== 'pending') return;
  report.outcome = 'failed';
  report.message = errorMessage(err);
}

/** Takes the run's describe calls so far into the report (one count: the budget's) and logs them. */
export function noteDescribeUse(deps: Pick<EngineDeps, 'budget' | 'log'>, report: DeployReport): void {
  report.describe = deps.budget.use();
  deps.log.info(`EB describe calls over the run: ${formatDescribeUse(report.describe)}`);
}

/** A deploy's own update (the post step of a cancelled job aborts it) or a rollback (never aborted). */
export type UpdateKind = 'deploy' | 'rollback';

/** What the post step needs to handle an update the job was cancelled in the middle of. */
export interface InFlightUpdate {
  kind: UpdateKind;
  applicationName: string;
  environmentName: string;
  versionLabel: string;
  previousVersionLabel: string | undefined;
  /** A deploy's rollback target (the version last verified there): where a cancelled deploy that already went live is sent back. */
  rollbackTarget?: string | undefined;
  region: string;
  startedAt: number;
}

/** A multipart upload of the bundle that is open: the post step of a cancelled job aborts it. */
export interface OpenUpload {
  bucket: string;
  key: string;
  uploadId: string;
  region: string;
}

export interface DeployHooks {
  /** A multipart upload was created (called right after CreateMultipartUpload) / was completed or aborted. */
  onUploadOpened?(upload: OpenUpload): void;
  onUploadClosed?(): void;
  /** The scratch directory the bundle is zipped into while it exists (undefined once removed). */
  onScratchDir?(dir: string | undefined): void;
  /** Called just BEFORE each UpdateEnvironment call, so a job killed at any moment after it has the state saved. */
  onUpdateStarting?(update: InFlightUpdate): void;
  onUpdateSettled?(): void;
}
