import * as core from '@actions/core';
import type { DeployReport } from '../engine/report.js';

function set(name: string, value: string | number | boolean | undefined): void {
  if (value !== undefined) core.setOutput(name, String(value));
}

export function setBundleOutputs(report: DeployReport): void {
  set('bundle-sha256', report.bundle?.sha256 || undefined);
  set('s3-bucket', report.bundle?.bucket);
  set('s3-key', report.bundle?.key);
  set('uploaded-bytes', report.bundle?.uploadedBytes);
}

export function setDeployOutputs(report: DeployReport): void {
  set('version-label', report.versionLabel);
  set('previous-version-label', report.previousVersionLabel ?? '');
  set('rollback-target', report.rollbackTarget);
  set('environment-url', report.environmentUrl);
  set('health', report.health);
  set('rolled-back', report.rolledBack);
  set('outcome', report.outcome === 'pending' ? undefined : report.outcome);
  set('went-live', report.wentLive);
  set('superseded-by', report.supersededBy);
  set('deploy-seconds', report.deploySeconds);
}
