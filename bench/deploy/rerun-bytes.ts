// 3. Re-run bytes: the same bundle deployed twice; what the second run uploads, from the action's
// `uploaded-bytes` output and, independently, from the bytes S3 received through the proxy.
import type { DeployActionRun } from './deploy-runs.js';
import { verdict, type Table } from './report.js';

export function rerunBytesTable(runs: DeployActionRun[]): Table {
  const second = runs[1];
  const zero = second !== undefined && second.outputs['uploaded-bytes'] === '0' && second.s3BytesSent === 0;
  return {
    title: '3. Re-run: bytes uploaded when the same bundle is deployed again',
    note: 'Root deploy action, same bundle directory and version-label twice. Wire bytes = bodies of PUT/POST requests S3 received through the counting proxy. Expected on the re-run: 0.',
    columns: ['run', 'uploaded-bytes output', 'bytes sent to S3 (wire)', 'S3 requests', 'version-reused output', 'bundle-sha256 (first 12)'],
    rows: runs.map((r) => [
      r.name,
      r.outputs['uploaded-bytes'] ?? '(none)',
      r.s3BytesSent,
      r.s3Requests,
      r.outputs['version-reused'] ?? '(none)',
      (r.outputs['bundle-sha256'] ?? '').slice(0, 12),
    ]),
    footer: [`0 bytes on the re-run: ${verdict(zero)}.`],
  };
}
