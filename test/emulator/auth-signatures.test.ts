// SigV4 checking in the emulator, through the clients that sign for real: the AWS SDK v3, awscli 2
// and boto3 (Debian's). Right key works; wrong secret, unknown key, no signature, tampered and
// expired presigned URLs and a lying x-amz-content-sha256 are refused with AWS's codes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateApplicationCommand, DescribeApplicationsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseStartOptions } from '../../src/cli/emulator.js';
import { startEmulator } from '../../src/emulator/index.js';
import { useEmulator } from '../support/emulator.js';
import { presignedUrl, signedFetch } from '../support/signed-fetch.js';

const run = promisify(execFile);
const h = useEmulator({
  credentials: [
    { accessKeyId: 'test', secretAccessKey: 'test' },
    { accessKeyId: 'AKIAEXAMPLESECOND', secretAccessKey: 'second/secret+key', userName: 'second' },
  ],
});
const BUCKET = 'signed-bucket';

type Failure = Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (err) {
    return err as Failure;
  }
  throw new Error('expected the call to fail');
}

const clients = (accessKeyId: string, secretAccessKey: string) => ({
  eb: new ElasticBeanstalkClient({ credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 }),
  s3: new S3Client({ credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 }),
});
const codeOf = (xml: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

describe('signatures through the AWS SDK', () => {
  it('accepts every configured key and refuses a wrong secret and an unknown key with EB and S3 codes', async () => {
    await h.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'hello' }));
    const second = clients('AKIAEXAMPLESECOND', 'second/secret+key');
    await second.eb.send(new CreateApplicationCommand({ ApplicationName: 'signed-app' }));
    expect((await second.eb.send(new DescribeApplicationsCommand({}))).Applications?.map((a) => a.ApplicationName)).toContain('signed-app');
    expect(await (await second.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }))).Body?.transformToString()).toBe('hello');

    const wrong = clients('test', 'not-the-secret');
    const ebWrong = await failure(wrong.eb.send(new DescribeApplicationsCommand({})));
    expect([ebWrong.name, ebWrong.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const s3Wrong = await failure(wrong.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })));
    expect([s3Wrong.name, s3Wrong.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);

    const unknown = clients('AKIANOSUCHKEY', 'test');
    const ebUnknown = await failure(unknown.eb.send(new DescribeApplicationsCommand({})));
    expect([ebUnknown.name, ebUnknown.$metadata?.httpStatusCode, ebUnknown.message]).toEqual(['InvalidClientTokenId', 403, 'The security token included in the request is invalid.']);
    const s3Unknown = await failure(unknown.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b.txt', Body: 'x' })));
    expect([s3Unknown.name, s3Unknown.$metadata?.httpStatusCode]).toEqual(['InvalidAccessKeyId', 403]);
    for (const c of [second, wrong, unknown]) {
      c.eb.destroy();
      c.s3.destroy();
    }
  });

  it('refuses unsigned requests: EB MissingAuthenticationToken, S3 AccessDenied (anonymous)', async () => {
    const eb = await fetch(h.emulator.ebEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeApplications&Version=2010-12-01' });
    expect([eb.status, codeOf(await eb.text())]).toEqual([403, 'MissingAuthenticationToken']);
    const s3 = await fetch(`${h.emulator.s3Endpoint}/${BUCKET}/a.txt`);
    expect([s3.status, codeOf(await s3.text())]).toEqual([403, 'AccessDenied']);
    const garbage = await fetch(`${h.emulator.s3Endpoint}/${BUCKET}/a.txt`, { headers: { authorization: 'Bearer abc', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect([garbage.status, codeOf(await garbage.text())]).toEqual([400, 'InvalidRequest']);
  });

  it('a signature from another region or service, or 20 minutes old, does not pass', async () => {
    const body = 'Action=DescribeApplications&Version=2010-12-01';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const region = await signedFetch(h.emulator.ebEndpoint, { body, headers }, { service: 'elasticbeanstalk', region: 'eu-west-1' });
    expect([region.status, codeOf(await region.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const old = await signedFetch(h.emulator.ebEndpoint, { body, headers }, { service: 'elasticbeanstalk', signingDate: new Date(Date.now() - 20 * 60_000) });
    expect([old.status, codeOf(await old.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const s3Old = await signedFetch(`${h.emulator.s3Endpoint}/${BUCKET}/a.txt`, {}, { service: 's3', contentSha256: 'UNSIGNED-PAYLOAD', signingDate: new Date(Date.now() - 20 * 60_000) });
    expect([s3Old.status, codeOf(await s3Old.text())]).toEqual([403, 'RequestTimeTooSkewed']);
    const s3Region = await signedFetch(`${h.emulator.s3Endpoint}/${BUCKET}/a.txt`, {}, { service: 's3', contentSha256: 'UNSIGNED-PAYLOAD', region: 'eu-west-1' });
    expect([s3Region.status, codeOf(await s3Region.text())]).toEqual([400, 'AuthorizationHeaderMalformed']);
  });

  it('checks x-amz-content-sha256: the signed hash must be the body\'s; UNSIGNED-PAYLOAD and signed aws-chunked pass', async () => {
    const url = `${h.emulator.s3Endpoint}/${BUCKET}/hashed.txt`;
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    const good = await signedFetch(url, { method: 'PUT', body: 'payload' }, { service: 's3', contentSha256: sha('payload') });
    expect(good.status).toBe(200);
    const lying = await signedFetch(url, { method: 'PUT', body: 'payl0ad' }, { service: 's3', contentSha256: sha('payload') });
    expect([lying.status, codeOf(await lying.text())]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    const unsigned = await signedFetch(url, { method: 'PUT', body: 'any body' }, { service: 's3', contentSha256: 'UNSIGNED-PAYLOAD' });
    expect(unsigned.status).toBe(200);
    const missing = await signedFetch(url, { method: 'PUT', body: 'x' }, { service: 's3' });
    expect([missing.status, codeOf(await missing.text())]).toEqual([400, 'InvalidRequest']);

    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the seed signature (the Authorization header) is checked.
    const chunked = '7;chunk-signature=' + '0'.repeat(64) + '\r\nstreamd\r\n0;chunk-signature=' + '0'.repeat(64) + '\r\n\r\n';
    const streamingHeaders = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '7' };
    const streamed = await signedFetch(url, { method: 'PUT', body: chunked, headers: streamingHeaders }, { service: 's3', contentSha256: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    expect(streamed.status).toBe(200);
    expect(await (await h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'hashed.txt' }))).Body?.transformToString()).toBe('streamd');
    const badSeed = await signedFetch(url, { method: 'PUT', body: chunked, headers: streamingHeaders }, { service: 's3', contentSha256: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', secretAccessKey: 'wrong' });
    expect([badSeed.status, codeOf(await badSeed.text())]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('presigned URLs: valid works, tampered and expired are refused', async () => {
    const url = `${h.emulator.s3Endpoint}/${BUCKET}/a.txt`;
    const valid = await presignedUrl(url, 'GET', 60, { service: 's3' });
    expect(await (await fetch(valid)).text()).toBe('hello');
    const tampered = await fetch(valid.replace('/a.txt?', '/b.txt?'));
    expect([tampered.status, codeOf(await tampered.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const expired = await fetch(await presignedUrl(url, 'GET', 60, { service: 's3', signingDate: new Date(Date.now() - 120_000) }));
    const text = await expired.text();
    expect([expired.status, codeOf(text)]).toEqual([403, 'AccessDenied']);
    expect(text).toContain('<Message>Request has expired</Message>');
    expect(text).toContain('<X-Amz-Expires>60</X-Amz-Expires>');
    const tooLong = await fetch(valid.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801'));
    expect([tooLong.status, codeOf(await tooLong.text())]).toEqual([400, 'AuthorizationQueryParametersError']);
  });
});

interface Result { code: number; stdout: string; stderr: string }
async function exec(file: string, args: string[], env: Record<string, string>): Promise<Result> {
  const base = { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' };
  try {
    const out = await run(file, args, { env: { ...base, ...env }, timeout: 60_000 });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('signatures through awscli 2', () => {
  const aws = (args: string[], secret = 'test', key = 'test'): Promise<Result> =>
    exec('/usr/bin/aws', args, { AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret });

  it('right key works; wrong secret, unknown key and an expired or tampered presigned URL are refused', async () => {
    const eb = ['--endpoint-url', h.emulator.ebEndpoint, 'elasticbeanstalk', 'describe-applications'];
    const s3 = ['--endpoint-url', h.emulator.s3Endpoint, 's3api', 'head-object', '--bucket', BUCKET, '--key', 'a.txt'];
    expect((await aws(eb)).code).toBe(0);
    expect((await aws(s3)).code).toBe(0);
    expect((await aws(eb, 'wrong')).stderr).toMatch(/\(SignatureDoesNotMatch\)/);
    expect((await aws(eb, 'test', 'AKIANOSUCHKEY')).stderr).toMatch(/\(InvalidClientTokenId\)/);
    expect((await aws(s3, 'wrong')).stderr).toMatch(/\(403\).*Forbidden/);
    const get = ['--endpoint-url', h.emulator.s3Endpoint, 's3api', 'get-object', '--bucket', BUCKET, '--key', 'a.txt', '/dev/null'];
    expect((await aws(get, 'wrong')).stderr).toMatch(/\(SignatureDoesNotMatch\)/);
    expect((await aws(get, 'test', 'AKIANOSUCHKEY')).stderr).toMatch(/\(InvalidAccessKeyId\)/);

    const presign = await aws(['--endpoint-url', h.emulator.s3Endpoint, 's3', 'presign', `s3://${BUCKET}/a.txt`, '--expires-in', '4']);
    const url = presign.stdout.trim();
    expect(await (await fetch(url)).text()).toBe('hello');
    const tampered = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'));
    expect([tampered.status, codeOf(await tampered.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    await new Promise((r) => setTimeout(r, 4100));
    const expired = await fetch(url);
    expect([expired.status, await expired.text()]).toEqual([403, expect.stringContaining('<Message>Request has expired</Message>')]);
  });
});

describe('signatures through boto3', () => {
  const script = `
import json, sys, time, urllib.request, urllib.error
import boto3, botocore.config, botocore.exceptions
eb_url, s3_url, bucket = sys.argv[1:4]
cfg = botocore.config.Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}, signature_version='s3v4')
def code(fn):
    try:
        fn()
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code'] + ' ' + str(e.response['ResponseMetadata']['HTTPStatusCode'])
def clients(key, secret):
    s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name='us-east-1')
    return s.client('elasticbeanstalk', endpoint_url=eb_url, config=cfg), s.client('s3', endpoint_url=s3_url, config=cfg)
def s3v2(key, secret):
    s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name='us-east-1')
    return s.client('s3', endpoint_url=s3_url, config=botocore.config.Config(s3={'addressing_style': 'path'}, signature_version='s3'))
def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
            return str(r.status) + ' ' + r.read().decode()
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        return str(e.code) + ' ' + body[body.find('<Code>') + 6:body.find('</Code>')] + ' ' + ('expired' if 'Request has expired' in body else '')
out = {}
for name, (key, secret) in {'right': ('test', 'test'), 'second': ('AKIAEXAMPLESECOND', 'second/secret+key'), 'wrong': ('test', 'nope'), 'unknown': ('AKIANOSUCHKEY', 'test')}.items():
    eb, s3 = clients(key, secret)
    out[name] = [code(lambda: eb.describe_applications()), code(lambda: s3.get_object(Bucket=bucket, Key='a.txt'))]
eb, s3 = clients('test', 'test')
url = s3.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'a.txt'}, ExpiresIn=1)
out['presigned'] = fetch(url)
out['tampered'] = fetch(url.replace('a.txt', 'b.txt'))
out['sigv2'] = fetch(s3v2('test', 'test').generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'a.txt'}, ExpiresIn=60))
time.sleep(2.1)
out['expired'] = fetch(url)
print(json.dumps(out))
`;

  it('right keys work; wrong secret, unknown key, tampered and expired presigned URLs get AWS codes', async () => {
    const res = await exec('/usr/bin/python3', ['-c', script, h.emulator.ebEndpoint, h.emulator.s3Endpoint, BUCKET], {});
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({
      right: ['ok', 'ok'],
      second: ['ok', 'ok'],
      wrong: ['SignatureDoesNotMatch 403', 'SignatureDoesNotMatch 403'],
      unknown: ['InvalidClientTokenId 403', 'InvalidAccessKeyId 403'],
      presigned: '200 hello',
      tampered: '403 SignatureDoesNotMatch ',
      sigv2: '400 InvalidRequest ',
      expired: '403 AccessDenied expired',
    });
  });
});

describe('giving the emulator keys', () => {
  it('eb-pipeline emulator start --credentials FILE reads a JSON list of keys; a bad file or key is named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-keys-'));
    try {
      const file = path.join(dir, 'keys.json');
      await writeFile(file, JSON.stringify([{ accessKeyId: 'AKIADEPLOY', secretAccessKey: 's3cret', userName: 'deployer' }]));
      expect(parseStartOptions(['--credentials', file]).credentials).toEqual([{ accessKeyId: 'AKIADEPLOY', secretAccessKey: 's3cret', userName: 'deployer' }]);
      await writeFile(file, '{"accessKeyId": "x"}');
      expect(() => parseStartOptions(['--credentials', file])).toThrow(`--credentials ${file}: expected a JSON list`);
      expect(() => parseStartOptions(['--credentials', path.join(dir, 'none.json')])).toThrow(/--credentials .*none\.json: cannot read it as JSON/);
      await expect(startEmulator({ credentials: [{ accessKeyId: 'a b', secretAccessKey: 'x' }] })).rejects.toThrow('credentials[0].accessKeyId: expected 1-128 letters');
      await expect(startEmulator({ credentials: [{ accessKeyId: 'AKIA1', secretAccessKey: '' }] })).rejects.toThrow('credentials[0].secretAccessKey: expected a non-empty string');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
