// Resource tags on the emulator, through the real SDK and Debian's awscli 2: EB's ARNs, its errors
// for unknown resources and bad tags, the 50-tag limit, tags that go with a deleted version.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, DeleteApplicationVersionCommand,
  DescribeApplicationVersionsCommand, ListTagsForResourceCommand, UpdateTagsForResourceCommand, type Tag,
} from '@aws-sdk/client-elastic-beanstalk';
import { describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const run = promisify(execFile);
const h = useEmulator();
const ARN = 'arn:aws:elasticbeanstalk:us-east-1:123456789012';

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a rejection');
}

const tags = async (arn: string): Promise<Tag[]> => (await h.eb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).ResourceTags ?? [];
const update = (arn: string, add: Tag[], remove: string[] = []) => h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arn, TagsToAdd: add, TagsToRemove: remove }));

async function setup(): Promise<string> {
  await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'tags' })).catch(() => undefined);
  await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'tags', VersionLabel: 'v1' })).catch(() => undefined);
  const v = (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: 'tags', VersionLabels: ['v1'] }))).ApplicationVersions?.[0];
  return v?.ApplicationVersionArn ?? '';
}

describe('resource tags through the SDK', () => {
  it('versions carry EB-format ARNs; tags are added, replaced, removed and listed', async () => {
    const arn = await setup();
    expect(arn).toBe(`${ARN}:applicationversion/tags/v1`);
    expect(await tags(arn)).toEqual([]);
    await update(arn, [{ Key: 'eb-pipeline:verified:dev', Value: '2026-12-01T10:00:00.000Z' }, { Key: 'team', Value: 'web @ ops' }]);
    await update(arn, [{ Key: 'team', Value: 'payments' }], ['eb-pipeline:failed:dev']); // removing an absent key is ignored
    expect(await tags(arn)).toEqual([{ Key: 'eb-pipeline:verified:dev', Value: '2026-12-01T10:00:00.000Z' }, { Key: 'team', Value: 'payments' }]);
    await update(arn, [], ['team']);
    expect(await tags(arn)).toEqual([{ Key: 'eb-pipeline:verified:dev', Value: '2026-12-01T10:00:00.000Z' }]);
    // Applications are taggable too.
    await update(`${ARN}:application/tags`, [{ Key: 'owner', Value: 'me' }]);
    expect(await tags(`${ARN}:application/tags`)).toEqual([{ Key: 'owner', Value: 'me' }]);
  });

  it('answers ResourceNotFoundException / ResourceTypeNotSupportedException / InvalidParameterValue as EB does', async () => {
    await setup();
    for (const arn of [`${ARN}:applicationversion/tags/nope`, `${ARN}:application/nope`, `${ARN}:environment/tags/nope`, 'arn:aws:elasticbeanstalk:eu-west-1:123456789012:application/tags']) {
      expect(await rejection(tags(arn))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
      expect(await rejection(update(arn, [{ Key: 'k', Value: 'v' }]))).toMatchObject({ name: 'ResourceNotFoundException' });
    }
    expect(await rejection(tags(`${ARN}:solutionstack/x`))).toMatchObject({ name: 'ResourceTypeNotSupportedException' });
    expect(await rejection(tags('not-an-arn'))).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('refuses bad keys and values, the aws: prefix, an empty update, and more than 50 tags', async () => {
    const arn = await setup();
    const bad = async (add: Tag[]) => (await rejection(update(arn, add))).name;
    expect(await bad([{ Key: 'aws:thing', Value: 'v' }])).toBe('InvalidParameterValue');
    expect(await bad([{ Key: 'AWS:thing', Value: 'v' }])).toBe('InvalidParameterValue');
    // Lengths are the service model's constraints (TagKey 1-128, TagValue 1-256): ValidationError, as EB's front end answers.
    expect(await bad([{ Key: 'k'.repeat(129), Value: 'v' }])).toBe('ValidationError');
    expect(await bad([{ Key: 'k', Value: 'v'.repeat(257) }])).toBe('ValidationError');
    expect(await bad([{ Key: 'k', Value: '' }])).toBe('ValidationError');
    expect(await bad([{ Key: 'k;drop', Value: 'v' }])).toBe('InvalidParameterValue');
    await update(arn, [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }], []);
    expect(await rejection(h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arn })))).toMatchObject({ name: 'MissingParameter' });

    const existing = (await tags(arn)).length;
    const many = Array.from({ length: 50 - existing }, (_, i) => ({ Key: `k${i}`, Value: String(i) }));
    await update(arn, many);
    expect(await tags(arn)).toHaveLength(50);
    const over = await rejection(update(arn, [{ Key: 'one-more', Value: 'x' }]));
    expect(over).toMatchObject({ name: 'TooManyTagsException', status: 400 });
    // Replacing a value or swapping one key for another stays within the limit.
    await update(arn, [{ Key: 'one-more', Value: 'x' }], ['k0']);
    expect(await tags(arn)).toHaveLength(50);
  });

  it('environments list EB system tags that cannot be changed; tags go with a deleted version', async () => {
    await setup();
    await h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'tags', EnvironmentName: 'tags-env' }));
    const env = await waitFor('tags-env Ready', () => describeEnv(h.eb, 'tags-env'), (e) => e.Status === 'Ready');
    expect(env.EnvironmentArn).toBe(`${ARN}:environment/tags/tags-env`);
    await update(env.EnvironmentArn ?? '', [{ Key: 'stage', Value: 'dev' }]);
    expect(await tags(env.EnvironmentArn ?? '')).toEqual([
      { Key: 'elasticbeanstalk:environment-name', Value: 'tags-env' },
      { Key: 'elasticbeanstalk:environment-id', Value: env.EnvironmentId },
      { Key: 'Name', Value: 'tags-env' },
      { Key: 'stage', Value: 'dev' },
    ]);
    expect((await rejection(update(env.EnvironmentArn ?? '', [], ['Name']))).name).toBe('InvalidParameterValue');

    await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'tags', VersionLabel: 'gone' }));
    const arn = `${ARN}:applicationversion/tags/gone`;
    await update(arn, [{ Key: 'eb-pipeline:failed:tags-env', Value: '2026-12-01T10:00:00.000Z' }]);
    await h.eb.send(new DeleteApplicationVersionCommand({ ApplicationName: 'tags', VersionLabel: 'gone' }));
    expect(await rejection(tags(arn))).toMatchObject({ name: 'ResourceNotFoundException' });
    await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'tags', VersionLabel: 'gone' }));
    expect(await tags(arn)).toEqual([]);
  });
});

describe('resource tags through awscli 2', () => {
  const aws = async (...args: string[]) => {
    const env = { PATH: process.env.PATH, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' };
    try {
      const out = await run('/usr/bin/aws', ['--endpoint-url', h.emulator.ebEndpoint, '--output', 'json', 'elasticbeanstalk', ...args], { env, timeout: 60_000 });
      return { code: 0, stdout: out.stdout, stderr: out.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  it('update-tags-for-resource and list-tags-for-resource work; errors show EB codes', async () => {
    const arn = await setup();
    const add = await aws('update-tags-for-resource', '--resource-arn', arn, '--tags-to-add', 'Key=cli,Value=from awscli', '--tags-to-remove', 'k1');
    expect(add.code, add.stderr).toBe(0);
    const listed = await aws('list-tags-for-resource', '--resource-arn', arn);
    expect(listed.code, listed.stderr).toBe(0);
    const body = JSON.parse(listed.stdout) as { ResourceArn: string; ResourceTags: Tag[] };
    expect(body.ResourceArn).toBe(arn);
    expect(body.ResourceTags).toContainEqual({ Key: 'cli', Value: 'from awscli' });
    expect(body.ResourceTags.map((t) => t.Key)).not.toContain('k1');
    const missing = await aws('list-tags-for-resource', '--resource-arn', `${ARN}:applicationversion/tags/nope`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('An error occurred (ResourceNotFoundException) when calling the ListTagsForResource operation');
  });
});
