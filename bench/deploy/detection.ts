// 1. Green → exit: how long after the emulator's environment turns Ready + Green on the new
// version each tool returns (ours holds health through its stability window first), and how many describe calls per second it makes meanwhile. Our gate
// (the deploy-version action bundle, which also issues the UpdateEnvironment) and
// `aws elasticbeanstalk wait environment-updated` (started as soon as the update is underway)
// watch the same update, each through its own counting proxy. Ours also reports its own count — the
// run's describe budget, the one the report and the log read — which the proxy's must equal.
import { actionErrors, runActionBundle } from './action-bundles.js';
import { toolEnv, type BenchContext } from './context.js';
import { startCountingProxy } from './counting-proxy.js';
import { createTestVersion, UpdateWatcher } from './eb-fixture.js';
import { runProcess, tail, type ProcessRun } from './processes.js';
import { seconds, spread, verdict, type Table } from './report.js';
import { DEFAULT_STABLE_SECONDS } from '../../src/config/inputs.js';

interface ToolRun {
  latencyMs: number;
  describeCalls: number;
  callsPerSecond: number;
  wallMs: number;
}

interface DetectionRun {
  label: string;
  updateMs: number;
  ours: ToolRun;
  awscli: ToolRun;
  /** What our action logged as its whole run's describe use (undefined: a dist/ built before it did). */
  oursOwn: { calls: number; perSecond: number } | undefined;
}

/** The action's own count: "EB describe calls over the run: 27 describe calls in 31.2 s (0.87/s; …". */
function ownDescribeUse(stdout: string): DetectionRun['oursOwn'] {
  const m = /EB describe calls over the run: (\d+) describe calls in [\d.]+ s \(([\d.]+)\/s/.exec(stdout);
  return m ? { calls: Number(m[1]), perSecond: Number(m[2]) } : undefined;
}

function toolRun(run: ProcessRun, greenAt: number, describeCalls: number): ToolRun {
  return { latencyMs: run.endedAt - greenAt, describeCalls, callsPerSecond: describeCalls / (run.wallMs / 1000), wallMs: run.wallMs };
}

export const detectionLabels = (runs: number): string[] => Array.from({ length: runs }, (_, i) => `bench-detect-${i + 1}`);

/** The versions the runs deploy; created ahead (while the environment launches). */
export async function prepareDetection(ctx: BenchContext): Promise<void> {
  await Promise.all(detectionLabels(ctx.runs).map((label) => createTestVersion(ctx.clients, ctx.app, label)));
}

async function detectOnce(ctx: BenchContext, label: string): Promise<DetectionRun> {
  const oursProxy = await startCountingProxy(ctx.emulator.ebEndpoint);
  const awsProxy = await startCountingProxy(ctx.emulator.ebEndpoint);
  const watcher = new UpdateWatcher(ctx.emulator, ctx.env, label);
  try {
    const inputs = { 'application-name': ctx.app, 'environment-name': ctx.env, 'version-label': label, 'deploy-timeout': '5m', summary: 'false' };
    const ours = runActionBundle(ctx.bundles, 'deploy-version', inputs, toolEnv(ctx, { eb: oursProxy.url }), { timeoutMs: 300_000 });
    await watcher.updating(60_000);
    const waiter = runProcess(
      '/usr/bin/aws',
      ['elasticbeanstalk', 'wait', 'environment-updated', '--application-name', ctx.app, '--environment-names', ctx.env, '--endpoint-url', awsProxy.url],
      { env: toolEnv(ctx, { eb: awsProxy.url }), timeoutMs: 420_000 },
    );
    const [o, a] = await Promise.all([ours, waiter]);
    const { updatingAt, greenAt } = await watcher.stop();
    if (o.code !== 0) throw new Error(`deploy-version of ${label} failed (exit ${o.code}): ${actionErrors(o) || tail(o)}`);
    if (a.code !== 0) throw new Error(`aws elasticbeanstalk wait failed (exit ${a.code}): ${tail(a)}`);
    if (greenAt === undefined || updatingAt === undefined) throw new Error(`the emulator never showed ${ctx.env} Ready + Green on ${label}`);
    return {
      label,
      updateMs: greenAt - updatingAt,
      ours: toolRun(o, greenAt, oursProxy.describeCalls(o.startedAt, o.endedAt)),
      awscli: toolRun(a, greenAt, awsProxy.describeCalls(a.startedAt, a.endedAt)),
      oursOwn: ownDescribeUse(o.stdout),
    };
  } finally {
    await watcher.stop();
    await oursProxy.close();
    await awsProxy.close();
  }
}

export async function measureDetection(ctx: BenchContext): Promise<Table> {
  const runs: DetectionRun[] = [];
  for (const label of detectionLabels(ctx.runs)) {
    ctx.log(`detection: deploying ${label} (our gate and awscli's waiter watch the same update)`);
    runs.push(await detectOnce(ctx, label));
  }
  const row = (name: string, pick: (r: DetectionRun) => ToolRun): (string | number)[] => [
    name,
    spread(runs.map((r) => pick(r).latencyMs / 1000)),
    spread(runs.map((r) => pick(r).callsPerSecond)),
    spread(runs.map((r) => pick(r).describeCalls), 0),
    spread(runs.map((r) => pick(r).wallMs / 1000), 1),
  ];
  const worstOurs = Math.max(...runs.map((r) => r.ours.latencyMs));
  const bestOurs = Math.min(...runs.map((r) => r.ours.latencyMs));
  const windowMs = DEFAULT_STABLE_SECONDS * 1000;
  const own = runs.map((r) => r.oursOwn).filter((u): u is NonNullable<DetectionRun['oursOwn']> => u !== undefined);
  const ownLine = own.length
    ? `Ours by its own count (the run's describe budget, as its log and summary report it): ${spread(own.map((u) => u.calls), 0)} calls, ${spread(own.map((u) => u.perSecond))} calls/s over the whole run (the proxy counted ${spread(runs.map((r) => r.ours.describeCalls), 0)}).`
    : 'Ours by its own count: not reported by this dist/ build (built before the run reported its describe budget).';
  return {
    title: '1. Green → exit latency (with the stability window)',
    note:
      `${runs.length} update(s) of the test app (AllAtOnce, 1 instance), emulator timeScale ${ctx.timeScale}; ` +
      `environment update took ${spread(runs.map((r) => r.updateMs / 1000), 1)} s (update start → Ready + Green). ` +
      'Latency = tool exit − the moment the emulator showed Ready + Green on the new label (its state polled every 20 ms). ' +
      'Describe calls counted on the wire by a proxy per tool, over the tool\'s own run. Median (min–max). ' +
      `Ours runs its default ${DEFAULT_STABLE_SECONDS} s stability window after Green; target: window + ≤2 s.`,
    columns: ['tool', 'detection latency s', 'describe calls/s', 'describe calls', 'tool wall time s'],
    rows: [row(`ours: deploy-version action (default gate: ${DEFAULT_STABLE_SECONDS} s stability window)`, (r) => r.ours), row('aws elasticbeanstalk wait environment-updated', (r) => r.awscli)],
    footer: [
      `Target exit ≤ window + 2 s after Green: ${verdict(worstOurs <= windowMs + 2000)} (${seconds(bestOurs - windowMs)}–${seconds(worstOurs - windowMs)} s beyond the ${DEFAULT_STABLE_SECONDS} s window).`,
      ownLine,
      'awscli\'s waiter checks only Status == Ready (not health, not the running version) every 20 s; ours checks Status, VersionLabel, health and every instance\'s deployed version.',
    ],
  };
}
