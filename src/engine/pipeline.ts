// The whole deploy and its pieces as the actions and the CLI call them:
// bundle → S3 → application version → gated update (→ rollback) → retention.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateVersionInputs, DeployInputs, PruneInputs, UploadInputs, BundleSettings } from '../config/inputs.js';
import { DeployFailedError } from '../config/errors.js';
import type { EngineDeps } from './deps.js';
import { gatedUpdate } from './gated-update.js';
import { runPreflight } from './preflight.js';
import { noteDescribeUse, type DeployHooks, type DeployReport } from './report.js';
import { prepareBundle } from '../bundle/zip.js';
import { defaultBucket, uploadBundle, type UploadResult } from '../bundle/upload.js';
import { ensureVersion, findVersion, nearQuota, versionQuota } from '../eb/versions.js';
import { pruneVersions, type PruneResult } from '../eb/retention.js';
import { describeEnvironment } from '../eb/environment.js';
import { retryUntil, type RetryContext } from '../aws/retry.js';

const SETUP_MS = 30 * 60_000; // retries of upload/version calls stop after this; each call also has its own timeout

const setupRetry = (deps: EngineDeps): RetryContext => retryUntil(deps, SETUP_MS, 'the setup deadline');

/** Same commit + same bytes → same label, so a re-run reuses the version instead of clashing. */
export function deriveVersionLabel(sha256: string, gitSha = process.env.GITHUB_SHA): string {
  const commit = gitSha && /^[0-9a-f]{7,40}$/i.test(gitSha) ? gitSha.slice(0, 12) : 'local';
  return `${commit}-${sha256.slice(0, 12)}`;
}

export async function uploadStep(deps: EngineDeps, settings: BundleSettings, report: DeployReport, hooks: DeployHooks = {}): Promise<UploadResult> {
  return deps.log.group('Bundle and upload', async () => {
    const work = await mkdtemp(join(tmpdir(), 'eb-pipeline-'));
    hooks.onScratchDir?.(work);
    try {
      const bundle = await prepareBundle(settings.bundlePath, work);
      report.bundle = { sha256: bundle.sha256, size: bundle.size, bucket: undefined, key: undefined, uploadedBytes: undefined };
      deps.log.info(`bundle ${settings.bundlePath}: ${bundle.size} bytes, sha256 ${bundle.sha256}`);
      const r = setupRetry(deps);
      const bucket = settings.bucket ?? (await defaultBucket(deps.eb, r));
      const uploaded = await uploadBundle({ s3: deps.s3, log: deps.log, retry: r }, bundle, bucket, settings.keyPrefix, {
        opened: (upload) => hooks.onUploadOpened?.({ ...upload, region: deps.region }),
        closed: () => hooks.onUploadClosed?.(),
      });
      report.bundle = { ...report.bundle, bucket, key: uploaded.key, uploadedBytes: uploaded.uploadedBytes };
      return uploaded;
    } finally {
      await rm(work, { recursive: true, force: true });
      hooks.onScratchDir?.(undefined);
    }
  });
}

async function versionStep(
  deps: EngineDeps,
  opts: { applicationName: string; label: string; description: string; bucket: string; key: string; keepVersions: number; deleteSourceBundles: boolean; protect: string[]; processingMs: number },
  report: DeployReport,
): Promise<void> {
  await deps.log.group(`Application version "${opts.label}"`, async () => {
    const r = retryUntil(deps, opts.processingMs, `the processing timeout (${opts.processingMs / 1000} s)`);
    const exists = await findVersion(deps.eb, opts.applicationName, opts.label, r);
    if (!exists) {
      const quota = await versionQuota(deps.eb, r);
      if (quota && nearQuota(quota)) {
        deps.log.warning(`${quota.used} of ${quota.maximum} application versions are used in this region${opts.keepVersions ? '; pruning' : ': set keep-versions to prune old ones'}`);
        if (opts.keepVersions)
          await pruneVersions(deps.eb, { applicationName: opts.applicationName, keep: opts.keepVersions, protectLabels: opts.protect, deleteSourceBundles: opts.deleteSourceBundles }, r);
      }
    }
    const { reused } = await ensureVersion(deps, opts, r);
    report.versionReused = reused;
  });
}

export async function deployPipeline(deps: EngineDeps, inputs: DeployInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  const target = { applicationName: inputs.applicationName, environmentName: inputs.environmentName };
  if (inputs.preflight) {
    await runPreflight(deps, {
      ...target,
      versionLabel: inputs.versionLabel,
      upload: { bucket: inputs.bundle.bucket, keyPrefix: inputs.bundle.keyPrefix },
      dockerBundle: existsSync(join(inputs.bundle.bundlePath, 'Dockerrun.aws.json')),
    });
  }
  // Fail on a wrong environment name before uploading anything.
  const env = await describeEnvironment(deps.eb, target, setupRetry(deps));
  const uploaded = await uploadStep(deps, inputs.bundle, report, hooks);
  const label = inputs.versionLabel ?? deriveVersionLabel(uploaded.sha256);
  report.versionLabel = label;
  await versionStep(
    deps,
    {
      applicationName: inputs.applicationName,
      label,
      description: inputs.versionDescription,
      bucket: uploaded.bucket,
      key: uploaded.key,
      keepVersions: inputs.keepVersions,
      deleteSourceBundles: inputs.deleteSourceBundles,
      protect: env.VersionLabel ? [env.VersionLabel] : [],
      processingMs: inputs.gate.deployTimeoutMs,
    },
    report,
  );
  await gatedUpdate(deps, { target, label, gate: inputs.gate, rollback: inputs.rollback }, report, hooks);
  if (inputs.keepVersions > 0) {
    await deps.log.group('Retention', () =>
      pruneVersions(
        deps.eb,
        {
          applicationName: inputs.applicationName,
          keep: inputs.keepVersions,
          protectLabels: [label, report.previousVersionLabel, report.rollbackTarget].filter((l): l is string => Boolean(l)),
          deleteSourceBundles: inputs.deleteSourceBundles,
        },
        setupRetry(deps),
      ),
    );
    noteDescribeUse(deps, report);
  }
  return report;
}

export async function uploadOnly(deps: EngineDeps, inputs: UploadInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<UploadResult> {
  return uploadStep(deps, inputs, report, hooks);
}

export async function createVersionOnly(deps: EngineDeps, inputs: CreateVersionInputs, report: DeployReport, hooks: DeployHooks = {}): Promise<DeployReport> {
  let bucket: string;
  let key: string;
  let sha256: string | undefined;
  if (inputs.bundle) {
    const up = await uploadStep(deps, inputs.bundle, report, hooks);
    ({ bucket, key, sha256 } = up);
  } else if (inputs.s3) {
    bucket = inputs.s3.bucket ?? (await defaultBucket(deps.eb, setupRetry(deps)));
    key = inputs.s3.key;
    sha256 = /([0-9a-f]{64})\.zip$/.exec(key)?.[1];
    report.bundle = { sha256: sha256 ?? '', size: 0, bucket, key, uploadedBytes: 0 };
  } else {
    throw new DeployFailedError('no bundle and no s3-key');
  }
  const label = inputs.versionLabel ?? (sha256 ? deriveVersionLabel(sha256) : undefined);
  if (!label) throw new DeployFailedError(`input "version-label" is empty and s3-key "${key}" is not content-addressed (<prefix>/<sha256>.zip): give a version-label`);
  report.versionLabel = label;
  await versionStep(
    deps,
    {
      applicationName: inputs.applicationName,
      label,
      description: inputs.versionDescription,
      bucket,
      key,
      keepVersions: inputs.keepVersions,
      deleteSourceBundles: inputs.deleteSourceBundles,
      protect: [],
      processingMs: inputs.processingTimeoutMs,
    },
    report,
  );
  report.outcome = 'deployed';
  noteDescribeUse(deps, report);
  return report;
}

export async function pruneOnly(deps: EngineDeps, inputs: PruneInputs): Promise<PruneResult> {
  return pruneVersions(
    deps.eb,
    { applicationName: inputs.applicationName, keep: inputs.keepVersions, protectLabels: inputs.protectLabels, deleteSourceBundles: inputs.deleteSourceBundles },
    setupRetry(deps),
  );
}
