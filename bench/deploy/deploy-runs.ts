// The root deploy action run end to end on a healthy test app — once, then again with the same
// bundle — with EB and S3 behind counting proxies and the emulator's environment watched, so the
// action's wall time can be split into its phases (measurement 5) and the bytes the re-run
// uploads counted on the wire (measurement 3).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeTestAppBundle } from '../../test/support/test-app.js';
import { actionErrors, runActionBundle } from './action-bundles.js';
import { toolEnv, type BenchContext } from './context.js';
import { startCountingProxy, type CountedRequest } from './counting-proxy.js';
import { UpdateWatcher } from './eb-fixture.js';
import { tail } from './processes.js';

export const ACTION_LABEL = 'bench-action';

export interface DeployActionRun {
  name: string;
  startedAt: number;
  endedAt: number;
  /** First CreateApplicationVersion / DescribeApplicationVersions seen (version phase start). */
  versionPhaseAt: number | undefined;
  updateRequestAt: number;
  updatingAt: number;
  greenAt: number;
  outputs: Record<string, string>;
  /** Request bodies of PUT/POST sent to S3, measured by the proxy. */
  s3BytesSent: number;
  s3Requests: number;
  ebRequests: number;
}

function firstAt(requests: CountedRequest[], action: string): number | undefined {
  return requests.find((r) => r.action === action)?.at;
}

async function deployOnce(ctx: BenchContext, name: string, bundleDir: string): Promise<DeployActionRun> {
  const eb = await startCountingProxy(ctx.emulator.ebEndpoint);
  const s3 = await startCountingProxy(ctx.emulator.s3Endpoint);
  const watcher = new UpdateWatcher(ctx.emulator, ctx.env, ACTION_LABEL);
  try {
    const inputs = { 'application-name': ctx.app, 'environment-name': ctx.env, bundle: bundleDir, 'version-label': ACTION_LABEL, 'deploy-timeout': '5m' };
    const run = await runActionBundle(ctx.bundles, 'deploy', inputs, toolEnv(ctx, { eb: eb.url, s3: s3.url }), { timeoutMs: 300_000 });
    const { updatingAt, greenAt } = await watcher.stop();
    if (run.code !== 0) throw new Error(`the deploy action (${name}) failed (exit ${run.code}): ${actionErrors(run) || tail(run)}`);
    const updateRequestAt = firstAt(eb.requests, 'UpdateEnvironment');
    if (updatingAt === undefined || greenAt === undefined || updateRequestAt === undefined)
      throw new Error(`the deploy action (${name}) passed but the emulator never showed an update to Ready + Green on ${ACTION_LABEL}`);
    const writes = s3.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');
    return {
      name,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      versionPhaseAt: firstAt(eb.requests, 'DescribeApplicationVersions'),
      updateRequestAt,
      updatingAt,
      greenAt,
      outputs: run.outputs,
      s3BytesSent: writes.reduce((n, r) => n + r.bytesIn, 0),
      s3Requests: s3.requests.length,
      ebRequests: eb.requests.length,
    };
  } finally {
    await watcher.stop();
    await eb.close();
    await s3.close();
  }
}

/** Deploys the same bundle directory twice with the root deploy action. */
export async function runDeployActionTwice(ctx: BenchContext): Promise<DeployActionRun[]> {
  const dir = path.join(ctx.tmp, 'action-app');
  await mkdir(dir, { recursive: true });
  await writeTestAppBundle(dir, { version: ACTION_LABEL });
  ctx.log('deploy action: first deploy of the test app');
  const first = await deployOnce(ctx, 'first deploy', dir);
  ctx.log('deploy action: re-run with the same bundle');
  const second = await deployOnce(ctx, 're-run, same bundle', dir);
  return [first, second];
}
