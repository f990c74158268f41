// Runs wrk against one URL and reads its summary: requests/s, latency, errors.
import { runOk } from '../../test/django/support/processes.js';

export interface WrkResult {
  requestsPerSecond: number;
  latencyAvgMs: number;
  latencyP99Ms: number;
  requests: number;
  /** responses other than 2xx/3xx */
  non2xx: number;
  /** connect/read/write/timeout errors; runserver closes every connection, which wrk counts as read errors */
  socketErrors: number;
}

function toMs(value: string, unit: string): number {
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(value) * (scale[unit] ?? Number.NaN);
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const avg = /Latency\s+([\d.]+)(us|ms|s|m)\s/.exec(output);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !avg || !p99 || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketTotal = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    latencyAvgMs: toMs(avg[1]!, avg[2]!),
    latencyP99Ms: toMs(p99[1]!, p99[2]!),
    requests: Number(total[1]),
    non2xx,
    socketErrors: socketTotal,
  };
}

export async function wrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  const result = await runOk('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', url], { timeoutMs: (seconds + 30) * 1000 });
  return parseWrk(result.stdout);
}
