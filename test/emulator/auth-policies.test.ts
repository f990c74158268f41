// Identity policies enforced by the emulator, through the AWS SDK and awscli: EB's AccessDenied
// wording and ARNs, S3's 403-vs-404 rule for missing keys, and EB failing an accepted
// CreateEnvironment/TerminateEnvironment the way it does when the caller lacks what EB needs behind it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateApplicationCommand, CreateEnvironmentCommand, DeleteApplicationVersionCommand, DescribeApplicationsCommand, DescribeEnvironmentsCommand,
  DescribeEventsCommand, ElasticBeanstalkClient, TerminateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createTestVersion, describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const h = useEmulator({
  credentials: [
    { accessKeyId: 'test', secretAccessKey: 'test' },
    {
      accessKeyId: 'AKIAREADER', secretAccessKey: 'reader', userName: 'reader',
      policies: [policy(
        { Effect: 'Allow', Action: 'elasticbeanstalk:DescribeApplications', Resource: `arn:aws:elasticbeanstalk:us-east-1:${ACCOUNT}:application/open-*` },
        { Effect: 'Deny', Action: 'elasticbeanstalk:DescribeApplications', Resource: `arn:aws:elasticbeanstalk:us-east-1:${ACCOUNT}:application/open-secret` },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pol-bucket/*' },
      )],
    },
    {
      accessKeyId: 'AKIALISTER', secretAccessKey: 'lister', userName: 'lister',
      policies: [policy({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::pol-bucket', 'arn:aws:s3:::pol-bucket/*'] })],
    },
    // Every Elastic Beanstalk action, nothing of what EB does with the caller's permissions behind them.
    {
      accessKeyId: 'AKIAEBONLY', secretAccessKey: 'ebonly', userName: 'eb-only',
      policies: [JSON.stringify(policy({ Effect: 'Allow', Action: 'elasticbeanstalk:*', Resource: '*' }, { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::elasticbeanstalk-*/resources/*' }))],
    },
  ],
});
const as = (id: string, secret: string) => ({
  eb: new ElasticBeanstalkClient({ credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 }),
  s3: new S3Client({ credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 }),
});
type Failure = Error & { $metadata?: { httpStatusCode?: number } };
async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (err) {
    return err as Failure;
  }
  throw new Error('expected the call to fail');
}

describe('Elastic Beanstalk under identity policies', () => {
  it('answers AccessDenied as EB words it, on the ARN the call is authorised on', async () => {
    for (const name of ['open-one', 'open-secret', 'closed']) await h.eb.send(new CreateApplicationCommand({ ApplicationName: name }));
    const reader = as('AKIAREADER', 'reader');
    expect((await reader.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['open-one'] }))).Applications?.map((a) => a.ApplicationName)).toEqual(['open-one']);
    const all = await failure(reader.eb.send(new DescribeApplicationsCommand({})));
    expect([all.name, all.$metadata?.httpStatusCode, all.message]).toEqual([
      'AccessDenied', 403,
      `User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: elasticbeanstalk:DescribeApplications on resource: arn:aws:elasticbeanstalk:us-east-1:${ACCOUNT}:application/* because no identity-based policy allows the elasticbeanstalk:DescribeApplications action`,
    ]);
    const denied = await failure(reader.eb.send(new DescribeApplicationsCommand({ ApplicationNames: ['open-secret'] })));
    expect(denied.message).toMatch(/application\/open-secret with an explicit deny in an identity-based policy$/);
    const update = await failure(reader.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['nope'] })));
    expect(update.message).toContain(`elasticbeanstalk:DescribeEnvironments on resource: arn:aws:elasticbeanstalk:us-east-1:${ACCOUNT}:environment/*/nope`);

    const env = { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'AKIAREADER', AWS_SECRET_ACCESS_KEY: 'reader', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    const cli = await run('/usr/bin/aws', ['--endpoint-url', h.emulator.ebEndpoint, 'elasticbeanstalk', 'describe-applications'], { env }).catch((e: { stderr: string }) => e);
    expect(cli.stderr).toMatch(/\(AccessDenied\) when calling the DescribeApplications operation: User: arn:aws:iam::123456789012:user\/reader is not authorized/);
    reader.eb.destroy();
    reader.s3.destroy();
  });

  it('CreateEnvironment and TerminateEnvironment are accepted, then fail inside EB without the caller\'s CloudFormation rights', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'behind' }));
    await createTestVersion(h, 'behind', 'b1');
    const ebOnly = as('AKIAEBONLY', 'ebonly');
    const created = await ebOnly.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'behind', EnvironmentName: 'behind-env', VersionLabel: 'b1' }));
    expect(created.Status).toBe('Launching');
    const ready = await waitFor('behind-env settled', () => describeEnv(h.eb, 'behind-env'), (e) => e.Status === 'Ready');
    expect(ready.VersionLabel).toBe('b1');
    const errors = async (): Promise<string[]> =>
      ((await h.eb.send(new DescribeEventsCommand({ EnvironmentName: 'behind-env', Severity: 'ERROR' }))).Events ?? []).map((e) => e.Message ?? '');
    expect((await errors()).join('\n')).toMatch(
      /^Service:AmazonIdentityManagement, Message:User: arn:aws:iam::123456789012:user\/eb-only is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role\/aws-elasticbeanstalk-service-role because no identity-based policy allows the iam:PassRole action$/m,
    );
    // No instance was launched: nothing serves.
    expect((await h.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['behind-env'] }))).Environments?.[0]?.Health).not.toBe('Green');

    await ebOnly.eb.send(new TerminateEnvironmentCommand({ EnvironmentName: 'behind-env' }));
    await waitFor('termination refused', errors, (m) => m.some((x) => x.includes('cloudformation:')));
    expect((await describeEnv(h.eb, 'behind-env')).Status).toBe('Ready');
    // An administrator can terminate it.
    await h.eb.send(new TerminateEnvironmentCommand({ EnvironmentName: 'behind-env' }));
    await waitFor('terminated', async () => (await h.eb.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ['behind-env'] }))).Environments?.[0]?.Status, (s) => s === 'Terminated');

    // DeleteSourceBundle deletes the bundle with the caller's s3:DeleteObject.
    const deleted = await failure(ebOnly.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: 'behind', VersionLabel: 'b1', DeleteSourceBundle: true })));
    expect([deleted.name, deleted.$metadata?.httpStatusCode]).toEqual(['SourceBundleDeletionException', 400]);
    ebOnly.eb.destroy();
    ebOnly.s3.destroy();
  });
});

describe('S3 under identity policies', () => {
  it('a missing key is 404 only with s3:ListBucket on the bucket, else 403; listing needs its own actions', async () => {
    await h.s3.send(new CreateBucketCommand({ Bucket: 'pol-bucket' }));
    await h.s3.send(new PutObjectCommand({ Bucket: 'pol-bucket', Key: 'here.txt', Body: 'here' }));
    const reader = as('AKIAREADER', 'reader');
    const lister = as('AKIALISTER', 'lister');
    for (const c of [reader, lister]) {
      expect(await (await c.s3.send(new GetObjectCommand({ Bucket: 'pol-bucket', Key: 'here.txt' }))).Body?.transformToString()).toBe('here');
    }
    const head403 = await failure(reader.s3.send(new HeadObjectCommand({ Bucket: 'pol-bucket', Key: 'missing.txt' })));
    expect(head403.$metadata?.httpStatusCode).toBe(403);
    const get403 = await failure(reader.s3.send(new GetObjectCommand({ Bucket: 'pol-bucket', Key: 'missing.txt' })));
    expect([get403.name, get403.$metadata?.httpStatusCode, get403.message]).toEqual(['AccessDenied', 403, 'Access Denied']);
    const head404 = await failure(lister.s3.send(new HeadObjectCommand({ Bucket: 'pol-bucket', Key: 'missing.txt' })));
    expect([head404.name, head404.$metadata?.httpStatusCode]).toEqual(['NotFound', 404]);
    const get404 = await failure(lister.s3.send(new GetObjectCommand({ Bucket: 'pol-bucket', Key: 'missing.txt' })));
    expect([get404.name, get404.$metadata?.httpStatusCode]).toEqual(['NoSuchKey', 404]);

    const list = await failure(reader.s3.send(new ListObjectsV2Command({ Bucket: 'pol-bucket' })));
    expect([list.name, list.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect((await lister.s3.send(new ListObjectsV2Command({ Bucket: 'pol-bucket' }))).KeyCount).toBe(1);
    const uploads = await failure(lister.s3.send(new ListMultipartUploadsCommand({ Bucket: 'pol-bucket' })));
    expect(uploads.name).toBe('AccessDenied');
    const put = await failure(lister.s3.send(new PutObjectCommand({ Bucket: 'pol-bucket', Key: 'new.txt', Body: 'x' })));
    expect(put.name).toBe('AccessDenied');
    for (const c of [reader, lister]) {
      c.eb.destroy();
      c.s3.destroy();
    }
  });
});
