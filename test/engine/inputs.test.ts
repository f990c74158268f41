// Every bad input is refused with a message naming it and the accepted form, before a single AWS
// call: the real action functions run against a local HTTP server that counts every request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDeployAction } from '../../src/actions/deploy.js';
import { runDeployVersionAction } from '../../src/actions/deploy-version.js';
import { runCreateVersionAction } from '../../src/actions/create-version.js';
import { runPruneVersionsAction } from '../../src/actions/prune-versions.js';
import { runRollbackAction } from '../../src/actions/rollback.js';
import { runUploadBundleAction } from '../../src/actions/upload-bundle.js';
import { main } from '../../src/cli/main.js';

let server: Server;
let requests = 0;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inputs-test-'));
  await writeFile(join(dir, 'Procfile'), 'web: node server.mjs\n');
  await writeFile(join(dir, 'notes.txt'), 'not a bundle');
  await writeFile(join(dir, 'fake.zip'), 'not a zip either');
  server = createServer((req, res) => {
    requests += 1;
    req.resume();
    // A non-retryable EB error, so a request that does get through fails at once.
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>counted</Message></Error><RequestId>1</RequestId></ErrorResponse>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  delete process.env.AWS_ENDPOINT_URL_ELASTIC_BEANSTALK;
  delete process.env.AWS_ENDPOINT_URL_S3;
  process.env.GITHUB_OUTPUT = join(dir, 'output');
  process.env.GITHUB_STATE = join(dir, 'state');
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
  await Promise.all(['output', 'state', 'summary'].map((f) => writeFile(join(dir, f), '')));
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

type Inputs = Record<string, string>;

async function runAction(fn: () => Promise<void>, inputs: Inputs): Promise<{ errors: string[]; exitCode: typeof process.exitCode }> {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.startsWith('STATE_')) delete process.env[k];
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  const exitCode = process.exitCode;
  process.exitCode = 0;
  return { errors: out.join('').split('\n').filter((l) => l.startsWith('::error::')), exitCode };
}

const deploy = (over: Inputs): Inputs => ({ 'application-name': 'my-app', 'environment-name': 'my-app-dev', bundle: dir, ...over });
const long = (n: number) => 'x'.repeat(n);

// [what, action, inputs, the input the message must name, a fragment of the expected form]
const cases: [string, () => Promise<void>, () => Inputs, string, RegExp][] = [
  ['application-name missing', runDeployAction, () => deploy({ 'application-name': '' }), 'application-name', /is required/],
  ['application-name too long', runDeployAction, () => deploy({ 'application-name': long(101) }), 'application-name', /1-100 characters/],
  ['application-name with /', runDeployAction, () => deploy({ 'application-name': 'a/b' }), 'application-name', /without "\/"/],
  ['application-name with a line break', runDeployAction, () => deploy({ 'application-name': 'shop\n::add-mask::x' }), 'application-name', /line breaks or control characters/],
  ['environment-name too short', runDeployAction, () => deploy({ 'environment-name': 'abc' }), 'environment-name', /4-40 letters/],
  ['environment-name leading dash', runDeployAction, () => deploy({ 'environment-name': '-my-env' }), 'environment-name', /not starting or ending/],
  ['environment-name bad chars', runDeployAction, () => deploy({ 'environment-name': 'my_env!' }), 'environment-name', /letters, digits and "-"/],
  ['environment-name too long', runDeployAction, () => deploy({ 'environment-name': long(41) }), 'environment-name', /4-40/],
  ['version-label too long', runDeployAction, () => deploy({ 'version-label': long(101) }), 'version-label', /1-100 characters/],
  ['version-label with /', runDeployAction, () => deploy({ 'version-label': 'feature/x' }), 'version-label', /without "\/"/],
  ['version-label with a space', runDeployAction, () => deploy({ 'version-label': 'v 1' }), 'version-label', /whitespace/],
  ['version-description too long', runDeployAction, () => deploy({ 'version-description': long(201) }), 'version-description', /at most 200/],
  ['region upper case', runDeployAction, () => deploy({ region: 'US-EAST-1' }), 'region', /like "us-east-1"/],
  ['region without dashes', runDeployAction, () => deploy({ region: 'useast1' }), 'region', /AWS region/],
  ['bucket with capitals', runDeployAction, () => deploy({ bucket: 'My_Bucket' }), 'bucket', /S3 bucket name/],
  ['bucket too short', runDeployAction, () => deploy({ bucket: 'ab' }), 'bucket', /3-63/],
  ['bucket as an IP', runDeployAction, () => deploy({ bucket: '192.168.1.1' }), 'bucket', /S3 bucket name/],
  ['key-prefix absolute', runDeployAction, () => deploy({ 'key-prefix': '/bundles' }), 'key-prefix', /no leading "\/"/],
  ['key-prefix with ..', runDeployAction, () => deploy({ 'key-prefix': 'a/../b' }), 'key-prefix', /no "\." or "\.\." parts/],
  ['min-health unknown', runDeployAction, () => deploy({ 'min-health': 'yellowish' }), 'min-health', /one of "ok", "green", "warning", "yellow"/],
  // A lookup table keyed by user input must not answer with what every object inherits.
  ...['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'].map(
    (key): [string, () => Promise<void>, () => Inputs, string, RegExp] => [`min-health ${key}`, runDeployAction, () => deploy({ 'min-health': key }), 'min-health', /one of "ok"/],
  ),
  ['healthy-checks zero', runDeployAction, () => deploy({ 'healthy-checks': '0' }), 'healthy-checks', /from 1 to 100/],
  ['healthy-checks a word', runDeployAction, () => deploy({ 'healthy-checks': 'three' }), 'healthy-checks', /whole number/],
  ['healthy-checks too many', runDeployAction, () => deploy({ 'healthy-checks': '101' }), 'healthy-checks', /from 1 to 100/],
  ['stable-seconds negative', runDeployAction, () => deploy({ 'stable-seconds': '-1' }), 'stable-seconds', /from 0 to 3600/],
  ['stable-seconds a duration', runDeployAction, () => deploy({ 'stable-seconds': '45s' }), 'stable-seconds', /whole number/],
  ['stable-seconds past deploy-timeout', runDeployAction, () => deploy({ 'stable-seconds': '60', 'deploy-timeout': '1m' }), 'stable-seconds', /not shorter than "deploy-timeout" \(60 s\)/],
  ['default stable-seconds past a short deploy-timeout', runDeployAction, () => deploy({ 'deploy-timeout': '40s' }), 'stable-seconds', /\(45, its default\) is not shorter than "deploy-timeout" \(40 s\)/],
  ['settle-timeout zero', runDeployAction, () => deploy({ 'settle-timeout': '0s' }), 'settle-timeout', /more than 0/],
  ['unhealthy-grace a word', runDeployAction, () => deploy({ 'unhealthy-grace': 'long' }), 'unhealthy-grace', /0 or more/],
  ['health-url not a URL', runDeployAction, () => deploy({ 'health-url': 'not a url' }), 'health-url', /http:\/\/ or https:\/\//],
  ['health-url ftp', runDeployAction, () => deploy({ 'health-url': 'ftp://example.com/healthz' }), 'health-url', /http:\/\/ or https:\/\//],
  ['health-url-expect-version yes', runDeployAction, () => deploy({ 'health-url-expect-version': 'yes' }), 'health-url-expect-version', /"true" or "false"/],
  ['expect-version without a URL', runDeployAction, () => deploy({ 'health-url-expect-version': 'true' }), 'health-url-expect-version', /expected a health URL/],
  ['ready-timeout in words', runDeployAction, () => deploy({ 'ready-timeout': '10 minutes' }), 'ready-timeout', /like "90s", "10m"/],
  ['deploy-timeout zero', runDeployAction, () => deploy({ 'deploy-timeout': '0s' }), 'deploy-timeout', /more than 0/],
  ['deploy-timeout over 6h', runDeployAction, () => deploy({ 'deploy-timeout': '7h' }), 'deploy-timeout', /at most 6h/],
  ['rollback maybe', runDeployAction, () => deploy({ rollback: 'maybe' }), 'rollback', /"true" or "false"/],
  ['keep-versions negative', runDeployAction, () => deploy({ 'keep-versions': '-1' }), 'keep-versions', /whole number from 0 to 1000/],
  ['delete-source-bundles 1', runDeployAction, () => deploy({ 'delete-source-bundles': '1' }), 'delete-source-bundles', /"true" or "false"/],
  ['summary on', runDeployAction, () => deploy({ summary: 'on' }), 'summary', /"true" or "false"/],
  ['bundle missing', runDeployAction, () => deploy({ bundle: join(dir, 'nope') }), 'bundle', /existing \.zip file or directory/],
  ['bundle not a zip file', runDeployAction, () => deploy({ bundle: join(dir, 'notes.txt') }), 'bundle', /existing \.zip file or directory/],
  ['bundle .zip that is not a zip', runDeployAction, () => deploy({ bundle: join(dir, 'fake.zip') }), 'bundle', /zip header/],
  ['deploy-version without a label', runDeployVersionAction, () => deploy({ bundle: '' }), 'version-label', /is required/],
  ['rollback with a bad label', runRollbackAction, () => deploy({ 'version-label': 'a/b' }), 'version-label', /without "\/"/],
  ['upload-bundle bad bucket', runUploadBundleAction, () => deploy({ bucket: 'UPPER' }), 'bucket', /S3 bucket name/],
  ['create-version with bundle and s3-key', runCreateVersionAction, () => deploy({ 's3-key': 'a/b.zip' }), 's3-key', /exactly one of them/],
  ['create-version with neither', runCreateVersionAction, () => deploy({ bundle: '' }), 'bundle', /exactly one of them/],
  ['create-version bad processing-timeout', runCreateVersionAction, () => deploy({ 'processing-timeout': '5 m' }), 'processing-timeout', /duration/],
  ['prune keep-versions 0', runPruneVersionsAction, () => deploy({ 'keep-versions': '0' }), 'keep-versions', /from 1 to 1000/],
  ['prune protect label with /', runPruneVersionsAction, () => deploy({ 'protect-version-labels': 'ok-1, bad/2' }), 'protect-version-labels', /without "\/"/],
];

describe('bad inputs: refused before any AWS call', () => {
  it('has at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.each(cases)('%s', async (_what, action, inputs, name, form) => {
    const before = requests;
    const { errors, exitCode } = await runAction(action, inputs());
    expect(exitCode).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`"${name}"`);
    expect(errors[0]).toMatch(form);
    expect(requests - before).toBe(0);
  });

  it('valid inputs do reach AWS (the counter counts)', async () => {
    const before = requests;
    const { errors, exitCode } = await runAction(runDeployAction, deploy({}));
    expect(exitCode).toBe(1);
    expect(errors.join('\n')).toMatch(/counted/);
    expect(requests - before).toBeGreaterThan(0);
  });

  it('the CLI refuses the same inputs with exit code 2 and no AWS call', async () => {
    const before = requests;
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['deploy', '-a', 'my-app', '-e', 'my-app-dev', '-b', dir, '--deploy-timeout', 'soon'])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/input "deploy-timeout" is invalid \("soon"\)/);
      expect(await main(['deploy', '-a', 'my-app', '--bogus', 'x'])).toBe(2);
      expect(String(err.mock.calls[1]?.[0])).toMatch(/--bogus/);
      expect(await main(['rollback', '-a', 'my-app', '-e', 'x'])).toBe(2);
      expect(await main(['status', '-a', 'my-app'])).toBe(2);
      expect(await main(['prune', '-a', 'my-app', '-k', 'all'])).toBe(2);
      for (const inherited of ['constructor', '__proto__', 'toString']) {
        expect(await main([inherited])).toBe(2);
        expect(String(err.mock.calls.at(-1)?.[0])).toMatch(new RegExp(`unknown command "${inherited}"`));
      }
    } finally {
      err.mockRestore();
    }
    expect(requests - before).toBe(0);
  });
});
