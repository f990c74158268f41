// Validation as EB does it: the service model's constraints (ValidationError / MissingParameter /
// InvalidParameterValue), the Query protocol's Version, the platform catalogue, the option catalogue,
// the 75-application quota — through the SDK and, where the SDK cannot send it, raw HTTP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateApplicationCommand, CreateApplicationVersionCommand, CreateEnvironmentCommand, CreateStorageLocationCommand, DescribeApplicationsCommand,
  DescribeEventsCommand, ListAvailableSolutionStacksCommand, UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator, waitFor } from '../support/emulator.js';
import { signedFetch } from '../support/signed-fetch.js';
import { childElements, childText, readXml } from '../../src/emulator/xml.js';
import { writeTestAppBundle, zipTestAppBundle } from '../support/test-app.js';

const h = useEmulator({ timeScale: 0.01 });

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected the call to fail');
}

async function raw(body: string): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const res = await signedFetch(h.emulator.ebEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, { service: 'elasticbeanstalk' });
  const text = await res.text();
  if (res.status < 400) return { status: res.status, code: undefined, message: undefined };
  const error = childElements(readXml(text, 'ErrorResponse'), 'Error')[0] ?? {};
  return { status: res.status, code: childText(error, 'Code'), message: childText(error, 'Message') };
}

describe('the service model’s constraints', () => {
  it('refuses over-long names and descriptions with ValidationError in EB’s words', async () => {
    const long = await failure(h.eb.send(new CreateApplicationCommand({ ApplicationName: 'a'.repeat(101) })));
    expect(long).toEqual({ name: 'ValidationError', message: `1 validation error detected: Value '${'a'.repeat(101)}' at 'applicationName' failed to satisfy constraint: Member must have length less than or equal to 100` });
    const description = await failure(h.eb.send(new CreateApplicationCommand({ ApplicationName: 'described', Description: 'd'.repeat(201) })));
    expect(description.name).toBe('ValidationError');
    expect(description.message).toContain("at 'description' failed to satisfy constraint: Member must have length less than or equal to 200");
    const both = await failure(h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'x'.repeat(101), VersionLabel: 'v'.repeat(101) })));
    expect(both.message).toMatch(/^2 validation errors detected: .*'applicationName'.*; .*'versionLabel'/);
    // A 3 MB description: refused by the model, not stored.
    const huge = await raw(`Action=CreateApplication&Version=2010-12-01&ApplicationName=huge&Description=${'x'.repeat(3 * 1024 * 1024)}`);
    expect(huge).toMatchObject({ status: 400, code: 'ValidationError' });
    const apps = (await h.eb.send(new DescribeApplicationsCommand({}))).Applications ?? [];
    expect(apps.map((a) => a.ApplicationName)).not.toContain('huge');
  });

  it('checks enums, value ranges and list items; malformed numbers and booleans are InvalidParameterValue', async () => {
    const severity = await raw('Action=DescribeEvents&Version=2010-12-01&Severity=LOUD');
    expect(severity.code).toBe('ValidationError');
    expect(severity.message).toContain("Value 'LOUD' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]");
    expect((await failure(h.eb.send(new DescribeEventsCommand({ MaxRecords: 0 })))).name).toBe('ValidationError');
    const names = await raw('Action=DescribeEnvironments&Version=2010-12-01&EnvironmentNames.member.1=abc');
    expect(names.message).toContain("Value 'abc' at 'environmentNames.1.member' failed to satisfy constraint: Member must have length greater than or equal to 4");
    expect((await raw('Action=DescribeEvents&Version=2010-12-01&MaxRecords=lots')).code).toBe('InvalidParameterValue');
    expect((await raw('Action=DescribeEnvironments&Version=2010-12-01&IncludeDeleted=yes')).code).toBe('InvalidParameterValue');
    expect((await raw('Action=DescribeEvents&Version=2010-12-01&StartTime=yesterday')).code).toBe('InvalidParameterValue');
  });

  it('names a missing required member (MissingParameter) and requires the API Version', async () => {
    expect(await raw('Action=CreateApplicationVersion&Version=2010-12-01&ApplicationName=a')).toMatchObject({ code: 'MissingParameter', message: 'The request must contain the parameter VersionLabel' });
    expect(await raw('Action=DescribeApplications')).toMatchObject({ status: 400, code: 'MissingParameter', message: 'The request must contain the parameter Version' });
    expect((await raw('Action=DescribeApplications&Version=2011-01-01')).code).toBe('NoSuchVersion');
  });
});

describe('platforms and options', () => {
  it('lists the AL2023 Docker, Python and Node.js stacks and refuses unknown ones', async () => {
    const { SolutionStacks = [] } = await h.eb.send(new ListAvailableSolutionStacksCommand({}));
    for (const runtime of ['Docker', 'Python 3.12', 'Node.js 22']) expect(SolutionStacks.some((s) => s.endsWith(`running ${runtime}`))).toBe(true);
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'platforms' }));
    const unknown = await failure(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'platforms', EnvironmentName: 'platforms-a', SolutionStackName: '64bit Windows running COBOL' })));
    expect(unknown).toEqual({ name: 'InvalidParameterValue', message: "No Solution Stack named '64bit Windows running COBOL' found." });
    const retired = await failure(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'platforms', EnvironmentName: 'platforms-a', SolutionStackName: '64bit Amazon Linux 2023 v6.1.0 running Node.js 16' })));
    expect(retired.name).toBe('InvalidParameterValue');
    const both = await failure(h.eb.send(new CreateEnvironmentCommand({
      ApplicationName: 'platforms', EnvironmentName: 'platforms-a', SolutionStackName: SolutionStacks[0],
      PlatformArn: 'arn:aws:elasticbeanstalk:us-east-1::platform/Docker running on 64bit Amazon Linux 2023/4.5.2',
    })));
    expect(both.name).toBe('InvalidParameterCombination');
    const template = await failure(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'platforms', EnvironmentName: 'platforms-a', VersionLabel: 'v1', TemplateName: 'nope' })));
    expect(template).toEqual({ name: 'InvalidParameterValue', message: "No Configuration Template named 'nope' found." });
    const arn = await failure(h.eb.send(new CreateEnvironmentCommand({ ApplicationName: 'platforms', EnvironmentName: 'platforms-a', PlatformArn: 'arn:aws:elasticbeanstalk:us-east-1::platform/Go 1 running on 64bit Amazon Linux 2023/4.0.0' })));
    expect(arn.name).toBe('InvalidParameterValue');
  });

  it('refuses unknown namespaces and options, accepts the documented ones and free-form names', async () => {
    const env = await createEnvironmentReady(h, {
      app: 'options', env: 'options-dev', label: 'v1',
      optionSettings: [
        { Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'EnvironmentType', Value: 'LoadBalanced' },
        { Namespace: 'aws:elasticbeanstalk:environment:process:api', OptionName: 'HealthCheckPath', Value: '/api/health' },
        { Namespace: 'aws:elbv2:listener:443', OptionName: 'Protocol', Value: 'HTTPS' },
        { Namespace: 'aws:elasticbeanstalk:application:environment', OptionName: 'ANY_NAME_AT_ALL', Value: 'x' },
      ],
    });
    expect(env.Status).toBe('Ready');
    const namespace = await failure(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'options-dev', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:madeup', OptionName: 'X', Value: '1' }] })));
    expect(namespace).toEqual({ name: 'InvalidParameterValue', message: "Invalid option specification (Namespace: 'aws:elasticbeanstalk:madeup', OptionName: 'X'): Unknown configuration setting." });
    const option = await failure(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'options-dev', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeployFaster', Value: 'true' }] })));
    expect(option.message).toContain("OptionName: 'DeployFaster'): Unknown configuration setting.");
    const value = await failure(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'options-dev', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'LoadBalancerType', Value: 'gigantic' }] })));
    expect(value).toEqual({ name: 'InvalidParameterValue', message: "Invalid option value: 'gigantic' (Namespace: 'aws:elasticbeanstalk:environment', OptionName: 'LoadBalancerType'): Value is not one of the allowed values: [classic, application, network]" });
    const bool = await failure(h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'options-dev', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:xray', OptionName: 'XRayEnabled', Value: 'yes' }] })));
    expect(bool.message).toContain('Value is not one of the allowed values: [true, false]');
    expect((await describeEnv(h.eb, 'options-dev')).Status).toBe('Ready');
  });
});

describe('.ebextensions options at deployment', () => {
  it('a bundle setting an option EB does not have fails its deployment with EB’s message; the environment keeps its version', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bad-option-'));
    try {
      await writeTestAppBundle(dir, { version: 'bad' });
      await writeFile(path.join(dir, '.ebextensions', '02-bad.config'), 'option_settings:\n  aws:elasticbeanstalk:command:\n    GoFaster: "true"\n');
      const { S3Bucket: bucket = '' } = await h.eb.send(new CreateStorageLocationCommand({}));
      await h.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'options/bad.zip', Body: await zipTestAppBundle(dir) }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'options', VersionLabel: 'bad', SourceBundle: { S3Bucket: 'elasticbeanstalk-us-east-1-123456789012', S3Key: 'options/bad.zip' }, Process: true }));
    const update = await h.eb.send(new UpdateEnvironmentCommand({ EnvironmentName: 'options-dev', VersionLabel: 'bad' }));
    const env = await waitFor('update over', () => describeEnv(h.eb, 'options-dev'), (e) => e.Status === 'Ready');
    expect(env.VersionLabel).toBe('v1');
    const errors = ((await h.eb.send(new DescribeEventsCommand({ RequestId: update.$metadata.requestId, Severity: 'ERROR' }))).Events ?? []).map((e) => e.Message);
    expect(errors.join('\n')).toContain("Invalid option specification (Namespace: 'aws:elasticbeanstalk:command', OptionName: 'GoFaster'): Unknown configuration setting.");
  });
});

describe('the application quota', () => {
  it('refuses the 76th application with TooManyApplicationsException, also through AutoCreateApplication', async () => {
    const existing = ((await h.eb.send(new DescribeApplicationsCommand({}))).Applications ?? []).length;
    for (let i = existing; i < 75; i++) await h.eb.send(new CreateApplicationCommand({ ApplicationName: `quota-${i}` }));
    const over = await failure(h.eb.send(new CreateApplicationCommand({ ApplicationName: 'quota-over' })));
    expect(over).toEqual({ name: 'TooManyApplicationsException', message: 'You cannot have more than 75 applications.' });
    const auto = await failure(h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: 'quota-auto', VersionLabel: 'v1', AutoCreateApplication: true })));
    expect(auto.name).toBe('TooManyApplicationsException');
    await waitFor('count stays 75', async () => ((await h.eb.send(new DescribeApplicationsCommand({}))).Applications ?? []).length, (n) => n === 75, 1000);
  });
});
