// Conformance to botocore's Elastic Beanstalk model: every operation the emulator implements is
// called through boto3 (Debian's /usr/bin/python3, test/emulator/conformance/boto3_conformance.py)
// and through the AWS SDK; every member of each output shape is present (or absent for a reason the
// script lists) with a legal type, enum value and length; every constraint of each input shape,
// broken one at a time, gets EB's error code (MissingParameter / ValidationError).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as EB from '@aws-sdk/client-elastic-beanstalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../../src/emulator/eb-api.js';
import { EB_MODEL } from '../../src/emulator/model/eb-service-model.js';
import { shapeOf } from '../../src/emulator/model/shapes.js';
import { createEnvironmentReady, describeEnv, useEmulator, waitFor } from '../support/emulator.js';

const run = promisify(execFile);
const h = useEmulator({ timeScale: 0.01 });

interface Report {
  calls: Record<string, string[]>;
  violations: { operation: string; member: string; constraint: string; expected: string; got: string }[];
}

/** The model's enum for DescribeEnvironmentHealth's Status is EnvironmentHealth (colours); the API reference documents, and EB returns, the operational status. */
const ENUM_EXEMPT: Record<string, string[]> = { 'DescribeEnvironmentHealth.Status': ['Launching', 'Updating', 'Ready', 'Terminating', 'Terminated'] };

/** The SDK's output checked against the model: present members typed as the model says (SDK types: Date, number, boolean). */
function sdkProblems(shapeName: string, value: unknown, at: string, out: string[]): void {
  const shape = shapeOf(EB_MODEL, shapeName);
  if (value === undefined || value === null) return;
  if (shape.type === 'structure') {
    for (const [member, memberShape] of Object.entries(shape.members ?? {})) sdkProblems(memberShape, (value as Record<string, unknown>)[member], `${at}.${member}`, out);
    const unknown = Object.keys(value).filter((k) => k !== '$metadata' && !(k in (shape.members ?? {})));
    if (unknown.length > 0) out.push(`${at}: members not in the model: ${unknown.join(', ')}`);
  } else if (shape.type === 'list') {
    if (!Array.isArray(value)) out.push(`${at}: not a list`);
    else value.forEach((item, i) => sdkProblems(shape.member ?? '', item, `${at}[${i}]`, out));
  } else if (shape.type === 'timestamp') {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) out.push(`${at}: not a date`);
  } else if (shape.type === 'boolean') {
    if (typeof value !== 'boolean') out.push(`${at}: not a boolean`);
  } else if (['integer', 'long', 'double', 'float'].includes(shape.type)) {
    if (typeof value !== 'number' || Number.isNaN(value)) out.push(`${at}: not a number`);
  } else if (typeof value !== 'string') out.push(`${at}: not a string`);
  else {
    const legal = ENUM_EXEMPT[at] ?? shape.enum;
    if (legal && !legal.includes(value)) out.push(`${at}: '${value}' not in [${legal.join(', ')}]`);
  }
}

describe('conformance to botocore’s EB model', () => {
  beforeAll(async () => {
    await createEnvironmentReady(h, { app: 'conformance', env: 'conformance-1', label: 'c1' });
    await createEnvironmentReady(h, { app: 'conformance', env: 'conformance-2', label: 'c2' });
  });

  it('boto3: every implemented operation answers the model’s shape; every constraint violation gets EB’s code', async () => {
    const script = path.join(import.meta.dirname, 'conformance', 'boto3_conformance.py');
    const { stdout } = await run('/usr/bin/python3', [script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EB_ENDPOINT: h.emulator.ebEndpoint, EMULATOR_STATE: h.emulator.ebEndpoint, APP: 'conformance', LABEL: 'c1', ENV1: 'conformance-1', ENV2: 'conformance-2' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 180_000,
    });
    const report = JSON.parse(stdout) as Report;
    // Every operation the emulator implements was called, and answered the model's output shape.
    expect(Object.keys(report.calls).sort()).toEqual(Object.keys(handlers).sort());
    expect(Object.entries(report.calls).filter(([, problems]) => problems.length > 0)).toEqual([]);
    // Every constraint, broken, got the expected code.
    const wrong = report.violations.filter((v) => v.got !== v.expected);
    expect(wrong).toEqual([]);
    const nested = report.violations.filter((v) => v.member.includes('.'));
    console.log(`boto3 conformance: ${Object.keys(report.calls).length} operations, ${report.violations.length} constraint violations (${nested.length} in nested members), each answered with its code`);
    expect(report.violations.length).toBeGreaterThan(100);
    // Nested members are reached: a tag key, a bundle location, a lifecycle rule's required flag.
    expect(nested.map((v) => `${v.operation} ${v.member} ${v.constraint}`)).toEqual(expect.arrayContaining([
      'CreateApplication Tags.Key max 128', 'CreateApplicationVersion SourceBundle.S3Bucket max 255',
      'UpdateApplicationResourceLifecycle ResourceLifecycleConfig.VersionLifecycleConfig.MaxCountRule.Enabled required',
    ]));
  }, 240_000);

  it('the AWS SDK: every implemented operation parses into the model’s types with no member the model lacks', async () => {
    const env = (await h.eb.send(new EB.DescribeEnvironmentsCommand({ EnvironmentNames: ['conformance-1'], IncludeDeleted: false }))).Environments?.[0];
    const appArn = (await h.eb.send(new EB.DescribeApplicationsCommand({ ApplicationNames: ['conformance'] }))).Applications?.[0]?.ApplicationArn;
    const calls: [string, object][] = [
      ['DescribeAccountAttributes', {}], ['DescribeApplications', {}], ['DescribeApplicationVersions', { ApplicationName: 'conformance' }],
      ['DescribeEnvironments', { ApplicationName: 'conformance' }], ['DescribeEvents', { ApplicationName: 'conformance', MaxRecords: 20 }],
      ['DescribeEnvironmentHealth', { EnvironmentName: 'conformance-1', AttributeNames: ['All'] }],
      ['DescribeInstancesHealth', { EnvironmentName: 'conformance-1', AttributeNames: ['All'] }],
      ['DescribeConfigurationSettings', { ApplicationName: 'conformance', EnvironmentName: 'conformance-1' }], ['ListAvailableSolutionStacks', {}],
      ['ListTagsForResource', { ResourceArn: env?.EnvironmentArn }], ['UpdateTagsForResource', { ResourceArn: appArn, TagsToAdd: [{ Key: 'sdk', Value: 'yes' }] }],
      ['CreateStorageLocation', {}], ['CreateApplication', { ApplicationName: 'conformance-sdk' }],
      ['UpdateApplicationResourceLifecycle', { ApplicationName: 'conformance-sdk', ResourceLifecycleConfig: { VersionLifecycleConfig: { MaxAgeRule: { Enabled: true, MaxAgeInDays: 30 } } } }],
      ['CreateApplicationVersion', { ApplicationName: 'conformance-sdk', VersionLabel: 's1' }],
      ['UpdateApplicationVersion', { ApplicationName: 'conformance-sdk', VersionLabel: 's1', Description: 'by the SDK' }],
      ['DeleteApplicationVersion', { ApplicationName: 'conformance-sdk', VersionLabel: 's1' }],
      ['UpdateApplication', { ApplicationName: 'conformance-sdk', Description: 'by the SDK' }],
      ['ValidateConfigurationSettings', { ApplicationName: 'conformance', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:madeup', OptionName: 'X', Value: '1' }] }],
      ['DescribeEnvironmentResources', { EnvironmentName: 'conformance-1' }],
      ['DeleteApplication', { ApplicationName: 'conformance-sdk' }],
    ];
    const problems: string[] = [];
    const called = new Set<string>();
    const send = async (op: string, input: object): Promise<Record<string, unknown>> => {
      const Command = (EB as unknown as Record<string, new (input: object) => EB.DescribeApplicationsCommand>)[`${op}Command`];
      if (!Command) throw new Error(`the SDK has no ${op}Command`);
      const out = (await h.eb.send(new Command(input))) as unknown as Record<string, unknown>;
      const output = EB_MODEL.operations[op]?.output;
      if (output) sdkProblems(output, out, op, problems);
      called.add(op);
      return out;
    };
    const ready = (name: string) => waitFor(`${name} Ready`, () => describeEnv(h.eb, name), (e) => e.Status === 'Ready');
    for (const [op, input] of calls) await send(op, input);
    await send('SwapEnvironmentCNAMEs', { SourceEnvironmentName: 'conformance-1', DestinationEnvironmentName: 'conformance-2' });
    await send('RestartAppServer', { EnvironmentName: 'conformance-2' });
    await ready('conformance-2');
    await send('RebuildEnvironment', { EnvironmentName: 'conformance-2' });
    await ready('conformance-2');
    h.emulator.faults.stuckUpdate('conformance-1');
    await send('UpdateEnvironment', { EnvironmentName: 'conformance-1', OptionSettings: [{ Namespace: 'aws:elasticbeanstalk:application:environment', OptionName: 'SDK', Value: '1' }] });
    await send('AbortEnvironmentUpdate', { EnvironmentName: 'conformance-1' });
    await ready('conformance-1');
    await send('CreateEnvironment', { ApplicationName: 'conformance', EnvironmentName: 'conformance-sdk', VersionLabel: 'c1', SolutionStackName: '64bit Amazon Linux 2023 v6.10.0 running Node.js 22' });
    await ready('conformance-sdk');
    await send('TerminateEnvironment', { EnvironmentName: 'conformance-sdk' });
    expect([...called].sort()).toEqual(Object.keys(handlers).sort());
    expect(problems).toEqual([]);
  });
});
