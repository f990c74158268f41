// 7. Time to recover: from the moment a broken release is live (the environment Ready on it and its
// load balancer answering errors) to the moment the load balancer serves the previous version
// again. Ours: the deploy-version action with its default gate. The peers: the best a user gets
// from them is `aws elasticbeanstalk update-environment` + `wait environment-updated` (what
// einaregilsson/beanstalk-deploy, the official aws-actions action and the EB CLI also amount to:
// none rolls back), watched for a minute after it returns.
import { DescribeEnvironmentsCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-elastic-beanstalk';
import { actionErrors, runActionBundle } from './action-bundles.js';
import { toolEnv, type BenchContext } from './context.js';
import { createTestVersion, isGreenOn, readEnvironment } from './eb-fixture.js';
import { runProcess, tail } from './processes.js';
import { seconds, verdict, type Table } from './report.js';

/** How long after the peer's tool returns we keep watching for a recovery that never comes. */
const PEER_WATCH_MS = 60_000;

interface Sample {
  at: number;
  status: string | undefined;
  label: string | undefined;
  /** The version the load balancer answered 200 with; '' for an error or no answer. */
  served: string;
}

/** The environment (emulator state) and its load balancer, every 50 ms until stopped. */
class ServeWatcher {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;
  constructor(
    private readonly ctx: BenchContext,
    private readonly cname: string,
  ) {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    while (!this.stopped) {
      const e = await readEnvironment(this.ctx.emulator, this.ctx.env).catch(() => undefined);
      let served = '';
      try {
        const res = await fetch(`http://${this.cname}/`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) served = ((await res.json()) as { version?: string }).version ?? '';
      } catch {
        // no answer: served stays ''
      }
      this.samples.push({ at: Date.now(), status: e?.status, label: e?.versionLabel, served });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async stop(): Promise<Sample[]> {
    this.stopped = true;
    await this.loop;
    return this.samples;
  }
}

interface Recovery {
  /** The broken release live: Ready on it, the load balancer answering errors. */
  brokenAt: number | undefined;
  /** The rollback's update seen starting (the environment Updating again). */
  rollbackAt: number | undefined;
  /** The load balancer serving the previous version again. */
  recoveredAt: number | undefined;
}

function recoveryOf(samples: Sample[], broken: string, previous: string): Recovery {
  const brokenAt = samples.find((s) => s.status === 'Ready' && s.label === broken && s.served === '')?.at;
  const after = samples.filter((s) => brokenAt !== undefined && s.at >= brokenAt);
  return {
    brokenAt,
    rollbackAt: after.find((s) => s.status === 'Updating')?.at,
    recoveredAt: after.find((s) => s.served === previous)?.at,
  };
}

async function cname(ctx: BenchContext): Promise<string> {
  const res = await ctx.clients.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [ctx.env] }));
  const name = res.Environments?.[0]?.CNAME;
  if (!name) throw new Error(`${ctx.env} has no CNAME`);
  return name;
}

async function currentLabel(ctx: BenchContext): Promise<string> {
  const e = await readEnvironment(ctx.emulator, ctx.env);
  if (!e?.versionLabel || !isGreenOn(e, e.versionLabel)) throw new Error(`${ctx.env} is not Ready and Green before the recovery measurement`);
  return e.versionLabel;
}

async function untilGreenOn(ctx: BenchContext, label: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isGreenOn(await readEnvironment(ctx.emulator, ctx.env), label)) {
    if (Date.now() > deadline) throw new Error(`${ctx.env} did not come back Green on ${label}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Row {
  name: string;
  recovery: Recovery;
  exitAt: number;
}

async function ours(ctx: BenchContext, label: string, previous: string): Promise<Row> {
  const watcher = new ServeWatcher(ctx, await cname(ctx));
  const run = await runActionBundle(
    ctx.bundles,
    'deploy-version',
    { 'application-name': ctx.app, 'environment-name': ctx.env, 'version-label': label, 'deploy-timeout': '5m', summary: 'false' },
    toolEnv(ctx),
    { timeoutMs: 420_000 },
  );
  const samples = await watcher.stop();
  if (run.code !== 1 || run.outputs.outcome !== 'rolled-back') throw new Error(`deploy-version of ${label} should have been rolled back (exit ${run.code}, outcome ${run.outputs.outcome ?? '?'}): ${actionErrors(run) || tail(run)}`);
  return { name: label, recovery: recoveryOf(samples, label, previous), exitAt: run.endedAt };
}

async function awscli(ctx: BenchContext, label: string, previous: string): Promise<Row> {
  const watcher = new ServeWatcher(ctx, await cname(ctx));
  const env = toolEnv(ctx);
  const aws = (args: string[]) => runProcess('/usr/bin/aws', ['elasticbeanstalk', ...args, '--endpoint-url', ctx.emulator.ebEndpoint], { env, timeoutMs: 420_000 });
  const update = await aws(['update-environment', '--environment-name', ctx.env, '--version-label', label]);
  if (update.code !== 0) throw new Error(`aws update-environment failed: ${tail(update)}`);
  const wait = await aws(['wait', 'environment-updated', '--application-name', ctx.app, '--environment-names', ctx.env]);
  // The waiter returns 0 (Ready) with the broken release live; watch whether anything brings the previous back.
  await new Promise((r) => setTimeout(r, PEER_WATCH_MS));
  const samples = await watcher.stop();
  // Put the previous version back for whatever runs next (not measured).
  await ctx.clients.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: ctx.env, VersionLabel: previous }));
  await untilGreenOn(ctx, previous, 300_000);
  return { name: `${label} (waiter exit ${wait.code})`, recovery: recoveryOf(samples, label, previous), exitAt: wait.endedAt };
}

export async function measureRecovery(ctx: BenchContext): Promise<Table> {
  const previous = await currentLabel(ctx);
  await createTestVersion(ctx.clients, ctx.app, 'bench-broken', { mode: 'unhealthy' });
  await createTestVersion(ctx.clients, ctx.app, 'bench-late-crash', { mode: 'crash-after', seconds: 30 });
  await createTestVersion(ctx.clients, ctx.app, 'bench-broken-peer', { mode: 'unhealthy' });
  ctx.log('recovery: ours, a release answering 500 from the start');
  const broken = await ours(ctx, 'bench-broken', previous);
  ctx.log('recovery: ours, a release that exits 30 s after it starts');
  const late = await ours(ctx, 'bench-late-crash', previous);
  ctx.log('recovery: awscli update-environment + wait, a release answering 500');
  const peer = await awscli(ctx, 'bench-broken-peer', previous);
  const s = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'never' : seconds(b - a, 1));
  const row = (tool: string, r: Row): (string | number)[] => [
    tool,
    r.name,
    s(r.recovery.brokenAt, r.recovery.recoveredAt),
    s(r.recovery.brokenAt, r.recovery.rollbackAt),
    s(r.recovery.rollbackAt, r.recovery.recoveredAt),
    r.recovery.brokenAt === undefined ? 'n/a' : seconds(r.exitAt - r.recovery.brokenAt, 1),
  ];
  const interval = 10 * ctx.timeScale;
  const detect = (r: Row): number => ((r.recovery.rollbackAt ?? Infinity) - (r.recovery.brokenAt ?? 0)) / 1000;
  const worstDetect = Math.max(detect(broken), detect(late));
  return {
    title: '7. Time to recover (broken release live → the previous version serving again)',
    note:
      `Emulator timeScale ${ctx.timeScale} (EB health reports every ${interval} s), test app, AllAtOnce, 1 instance; previous version "${previous}". ` +
      'Broken live = the environment Ready on the new version and its load balancer answering an error (watched every 50 ms through the load balancer); ' +
      'recovered = the load balancer answering 200 from the previous version. Ours: the deploy-version action, default gate inputs. ' +
      `Peer: aws elasticbeanstalk update-environment + wait environment-updated, then ${PEER_WATCH_MS / 1000} s more of watching.`,
    columns: ['tool', 'release', 'time to recover s', 'broken live → rollback starts s', 'rollback update → previous serving s', 'broken live → tool exit s'],
    rows: [row('ours (deploy-version)', broken), row('ours (deploy-version)', late), row('awscli update + wait', peer)],
    footer: [
      `Target: the rollback starts within two EB health intervals (${2 * interval} s) of the broken release going live: ${verdict(worstDetect <= 2 * interval + 2)} (worst ${worstDetect.toFixed(1)} s); the rest is the rollback's own deploy.`,
      'The peers never recover: awscli\'s waiter returns 0 once the environment is Ready with the broken release live, and nothing redeploys the previous version; ' +
        'einaregilsson/beanstalk-deploy, aws-actions/aws-elasticbeanstalk-deploy and `eb deploy` stop at the same point (none rolls back).',
      'Our tool exits later than the recovery: the rollback is itself gated through the stability window before the job reports it.',
    ],
  };
}
