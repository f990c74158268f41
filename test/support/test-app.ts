// The test app the emulator deploys: a plain Node HTTP server run by the bundle's Procfile, whose
// behaviour (healthy, never healthy, flaky, crashing, slow to start) is chosen by the bundle's contents.
// It answers `/`, `/healthz` and its health-check path with {"version", "pid"}; anything else is 404.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yazl from 'yazl';

/** flaky: every second request to the health-check path answers 500 (EB's instance health: Ok, Warning, Ok, ...). */
export type TestAppMode = 'healthy' | 'unhealthy' | 'flaky' | 'crash-after' | 'slow-start';

export interface TestAppOptions {
  version: string;
  mode?: TestAppMode;
  /** crash-after: seconds until the process exits; slow-start: seconds before it listens. */
  seconds?: number;
  deploymentPolicy?: 'AllAtOnce' | 'Rolling' | 'RollingWithAdditionalBatch' | 'Immutable' | 'TrafficSplitting';
  batchSize?: number;
  healthCheckPath?: string;
  /** aws:autoscaling:asg MinSize and MaxSize. */
  instances?: number;
  /** The Procfile's web command (default `node server.mjs`). */
  webCommand?: string;
  /** What `/health` answers (200, text/plain): a hostile body for tests of untrusted text. */
  healthBody?: string;
}

// EMULATOR_FAULT_MODE / EMULATOR_FAULT_SECONDS (the emulator's appFault switch) override the bundle.
const SERVER = `import http from 'node:http';
import { readFileSync } from 'node:fs';

const baked = JSON.parse(readFileSync(new URL('./app-config.json', import.meta.url), 'utf8'));
const mode = process.env.EMULATOR_FAULT_MODE || baked.mode;
const seconds = Number(process.env.EMULATOR_FAULT_SECONDS || baked.seconds || 0);
const version = process.env.APP_VERSION;

const paths = new Set(['/', '/healthz', baked.healthCheckPath]);
let healthChecks = 0;
const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health' && baked.healthBody !== undefined) return res.writeHead(200, { 'content-type': 'text/plain' }).end(baked.healthBody);
  if (!paths.has(path)) return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', path }));
  const body = JSON.stringify({ version, pid: process.pid, mode, path });
  const flakyFailure = mode === 'flaky' && path === baked.healthCheckPath && healthChecks++ % 2 === 1;
  const status = mode === 'unhealthy' || flakyFailure ? 500 : 200;
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
});
const listen = () => server.listen(Number(process.env.PORT), '127.0.0.1');
if (mode === 'slow-start') setTimeout(listen, seconds * 1000);
else listen();
if (mode === 'crash-after') setTimeout(() => process.exit(3), seconds * 1000);
process.on('SIGTERM', () => process.exit(0));
`;

function ebextension(opts: TestAppOptions): string {
  const lines = [
    'option_settings:',
    '  aws:elasticbeanstalk:application:environment:',
    `    APP_VERSION: "${opts.version}"`,
    '  aws:elasticbeanstalk:environment:process:default:',
    `    HealthCheckPath: ${opts.healthCheckPath ?? '/healthz'}`,
  ];
  if (opts.deploymentPolicy || opts.batchSize !== undefined) {
    lines.push('  aws:elasticbeanstalk:command:');
    if (opts.deploymentPolicy) lines.push(`    DeploymentPolicy: ${opts.deploymentPolicy}`);
    if (opts.batchSize !== undefined) lines.push('    BatchSizeType: Fixed', `    BatchSize: ${opts.batchSize}`);
  }
  if (opts.instances !== undefined) lines.push('  aws:autoscaling:asg:', `    MinSize: ${opts.instances}`, `    MaxSize: ${opts.instances}`);
  return `${lines.join('\n')}\n`;
}

export async function writeTestAppBundle(dir: string, opts: TestAppOptions): Promise<void> {
  await mkdir(path.join(dir, '.ebextensions'), { recursive: true });
  await writeFile(path.join(dir, 'Procfile'), `web: ${opts.webCommand ?? 'node server.mjs'}\n`);
  await writeFile(path.join(dir, 'server.mjs'), SERVER);
  const config = { mode: opts.mode ?? 'healthy', seconds: opts.seconds ?? 0, healthCheckPath: opts.healthCheckPath ?? '/healthz', healthBody: opts.healthBody };
  await writeFile(path.join(dir, 'app-config.json'), JSON.stringify(config));
  await writeFile(path.join(dir, '.ebextensions', '01-app.config'), ebextension(opts));
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if ((await stat(path.join(dir, name))).isDirectory()) out.push(...(await filesUnder(path.join(dir, name), rel)));
    else out.push(rel);
  }
  return out;
}

export async function zipTestAppBundle(dir: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const rel of await filesUnder(dir)) zip.addBuffer(await readFile(path.join(dir, rel)), rel);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
