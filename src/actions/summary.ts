// The job summary: what was deployed where, how it ended, each instance's health and version,
// and the events that mattered. Written last, and never allowed to fail the job.
import * as core from '@actions/core';
import type { DeployReport } from '../engine/report.js';
import { formatDescribeUse } from '../aws/describe-budget.js';

const OUTCOME: Record<DeployReport['outcome'], string> = {
  pending: '⏸️ not finished',
  deployed: '✅ deployed',
  'rolled-back': '↩️ failed, rolled back',
  aborted: '↩️ failed before it went live, previous version kept',
  superseded: '⏭️ superseded by another deploy',
  failed: '❌ failed',
  'needs-attention': '🚨 failed, environment needs attention',
};

export async function writeDeploySummary(report: DeployReport, title: string): Promise<void> {
  const s = core.summary.addHeading(`${escapeHtml(title)}: ${OUTCOME[report.outcome]}`, 2);
  if (report.message) s.addRaw(`<p>${escapeHtml(report.message)}</p>`, true);
  for (const warning of report.recordWarnings) s.addRaw(`<p>⚠️ ${escapeHtml(warning)}</p>`, true);
  const rows: [string, string][] = [
    ['Application', report.applicationName],
    ['Environment', report.environmentName ?? ''],
    ['URL', report.environmentUrl ?? ''],
    ['Version', report.versionLabel ?? ''],
    ...(report.promotion ? ([['Promoted because', report.promotion]] as [string, string][]) : []),
    ['Previous version', report.previousVersionLabel ?? ''],
    ['Rollback target', report.rollbackTargetWhy ?? ''],
    ['Rolled back', String(report.rolledBack)],
    ['Went live', String(report.wentLive)],
    ...(report.supersededBy ? ([['Superseded by', report.supersededBy]] as [string, string][]) : []),
    ['Health', report.health ?? ''],
    ['Deploy seconds', report.deploySeconds === undefined ? '' : String(report.deploySeconds)],
    ...(report.describe ? ([['EB describe calls', formatDescribeUse(report.describe)]] as [string, string][]) : []),
  ];
  if (report.bundle) {
    rows.push(['Bundle sha256', report.bundle.sha256], ['S3 object', report.bundle.key ? `s3://${report.bundle.bucket ?? ''}/${report.bundle.key}` : '']);
    rows.push(['Uploaded bytes', String(report.bundle.uploadedBytes ?? '')], ['Version reused', String(report.versionReused ?? '')]);
  }
  s.addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true },
    ],
    ...rows.map(([k, v]) => [k, escapeHtml(v)]),
  ]);
  if (report.instances.length) {
    s.addHeading('Instances', 3).addTable([
      [
        { data: 'Instance', header: true },
        { data: 'Health', header: true },
        { data: 'Version', header: true },
      ],
      ...report.instances.map((i) => [escapeHtml(i.id), escapeHtml(i.healthStatus ?? i.color ?? ''), escapeHtml(i.versionLabel ?? '')]),
    ]);
  }
  const mattered = report.events.filter((e) => e.severity !== 'INFO' && e.severity !== 'DEBUG' && e.severity !== 'TRACE');
  const shown = (mattered.length ? mattered : report.events).slice(-20);
  if (shown.length) {
    s.addHeading('Elastic Beanstalk events', 3).addTable([
      [
        { data: 'Time (UTC)', header: true },
        { data: 'Severity', header: true },
        { data: 'Message', header: true },
      ],
      ...shown.map((e) => [e.date.toISOString().slice(0, 19).replace('T', ' '), escapeHtml(e.severity), escapeHtml(e.message)]),
    ]);
  }
  await s.write();
}

/**
 * Text from outside (EB event messages, error messages, labels) as inert HTML: no tags, and no line
 * break — a blank line would end the HTML block and let the rest render as Markdown (images, links).
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, '<br>');
}
