import type { DeployReport } from '../engine/report.js';
import { formatDescribeUse } from '../aws/describe-budget.js';
import { printLine } from './console-logger.js';

export function printReport(r: DeployReport): void {
  const rows: [string, string | number | boolean | undefined][] = [
    ['outcome', r.outcome],
    ['environment', r.environmentName],
    ['url', r.environmentUrl],
    ['version', r.versionLabel],
    ['previous version', r.previousVersionLabel],
    ['rollback target', r.rollbackTarget],
    ['rolled back', r.rolledBack],
    ['went live', r.wentLive],
    ['health', r.health],
    ['deploy seconds', r.deploySeconds],
    ['bundle sha256', r.bundle?.sha256],
    ['s3 object', r.bundle?.key ? `s3://${r.bundle.bucket ?? ''}/${r.bundle.key}` : undefined],
    ['uploaded bytes', r.bundle?.uploadedBytes],
    ['version reused', r.versionReused],
    ['describe calls', r.describe ? formatDescribeUse(r.describe) : undefined],
  ];
  printLine('');
  for (const [k, v] of rows) if (v !== undefined && v !== '') printLine(`  ${k.padEnd(17)} ${String(v)}`);
  for (const w of r.recordWarnings) printLine(`  warning: ${w}`);
  for (const i of r.instances) printLine(`  instance ${i.id}: ${i.healthStatus ?? i.color ?? '?'} on "${i.versionLabel ?? '?'}"`);
}
