// The emulator's pure parts: Query parsing and XML, option settings, bundles, health roll-up, faults.
import { describe, expect, it } from 'vitest';
import { inspectBundle, parseEbextension, procfileWebCommand, BundleError } from '../../src/emulator/bundle.js';
import { containerEnv, loopbackPorts } from '../../src/emulator/container.js';
import { paginate } from '../../src/emulator/api-context.js';
import { DOCKERFILE_UNSUPPORTED, parseDockerrun } from '../../src/emulator/dockerrun.js';
import { applyFaultRequest } from '../../src/emulator/fault-requests.js';
import { FaultState } from '../../src/emulator/faults.js';
import { environmentHealth, instanceHealth, type ProbeState } from '../../src/emulator/health.js';
import { batchCount, mergeOptionSettings, resolveConfig } from '../../src/emulator/option-settings.js';
import { EbError, QueryParams, errorXml, resultXml } from '../../src/emulator/query-protocol.js';

const NS = 'aws:elasticbeanstalk:command';

describe('QueryParams', () => {
  const p = QueryParams.parse(
    'Action=CreateEnvironment&EnvironmentNames.member.1=a&EnvironmentNames.member.2=b&OptionSettings.member.1.Namespace=ns&OptionSettings.member.1.OptionName=o&OptionSettings.member.1.Value=v%20w&Process=true&MaxRecords=5',
  );
  it('reads lists, option settings, booleans and integers', () => {
    expect(p.action).toBe('CreateEnvironment');
    expect(p.list('EnvironmentNames')).toEqual(['a', 'b']);
    expect(p.optionSettings('OptionSettings')).toEqual([{ namespace: 'ns', optionName: 'o', value: 'v w' }]);
    expect(p.bool('Process')).toBe(true);
    expect(p.int('MaxRecords', 1, 1000)).toBe(5);
  });
  it('names the parameter in MissingParameter and InvalidParameterValue', () => {
    expect(() => p.required('ApplicationName')).toThrow(expect.objectContaining({ code: 'MissingParameter', message: 'The request must contain the parameter ApplicationName' }));
    expect(() => QueryParams.parse('Process=yes').bool('Process')).toThrow(expect.objectContaining({ code: 'InvalidParameterValue', message: expect.stringContaining('Process') as unknown }));
    expect(() => QueryParams.parse('MaxRecords=0').int('MaxRecords', 1, 1000)).toThrow(/MaxRecords: expected an integer from 1 to 1000/);
    expect(() => QueryParams.parse('StartTime=yesterday').date('StartTime')).toThrow(/StartTime: expected an ISO 8601 timestamp/);
    expect(() => QueryParams.parse('OptionSettings.member.1.Value=x').optionSettings('OptionSettings')).toThrow(/Namespace and an OptionName/);
  });
});

describe('XML', () => {
  it('writes results with members, escapes text and drops XML-illegal characters', () => {
    expect(resultXml('Op', { A: ['x<y', 'z&'], B: undefined, C: true, D: new Date('2026-01-02T03:04:05Z'), E: 'a\u0000b' }, 'r')).toContain(
      '<OpResult><A><member>x&lt;y</member><member>z&amp;</member></A><C>true</C><D>2026-01-02T03:04:05.000Z</D><E>a\ufffdb</E></OpResult>',
    );
    expect(resultXml('DescribeEvents', { Events: [] }, 'rid')).toContain('<DescribeEventsResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><DescribeEventsResult><Events></Events></DescribeEventsResult><ResponseMetadata><RequestId>rid</RequestId>');
    expect(errorXml(new EbError('Throttling', 'Rate exceeded'), 'r')).toContain('<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId>');
    expect(errorXml(new EbError('InternalFailure', 'x', 500), 'r')).toContain('<Type>Receiver</Type>');
  });
  it('paginates with an opaque NextToken', () => {
    const first = paginate([1, 2, 3, 4, 5], 2, undefined);
    expect(first.page).toEqual([1, 2]);
    const second = paginate([1, 2, 3, 4, 5], 2, first.nextToken);
    expect(second.page).toEqual([3, 4]);
    expect(paginate([1, 2, 3, 4, 5], 2, second.nextToken)).toEqual({ page: [5] });
    expect(() => paginate([1], 1, '!!')).toThrow();
  });
});

describe('option settings', () => {
  it('applies EB defaults and precedence (API over .ebextensions)', () => {
    const bundle = [
      { namespace: NS, optionName: 'DeploymentPolicy', value: 'Rolling' },
      { namespace: 'aws:elasticbeanstalk:application:environment', optionName: 'APP_VERSION', value: 'bundle' },
    ];
    const api = [{ namespace: 'aws:elasticbeanstalk:application:environment', optionName: 'APP_VERSION', value: 'api' }];
    const config = resolveConfig(mergeOptionSettings(bundle, api));
    expect(config).toMatchObject({ deploymentPolicy: 'Rolling', batchSizeType: 'Percentage', batchSize: 30, healthCheckPath: '/', minSize: 1, envVars: { APP_VERSION: 'api' } });
    expect(resolveConfig([])).toMatchObject({ deploymentPolicy: 'AllAtOnce', batchSize: 100, commandTimeout: 600 });
  });
  it('rejects bad values with EB wording', () => {
    expect(() => resolveConfig([{ namespace: NS, optionName: 'DeploymentPolicy', value: 'Sometimes' }])).toThrow(
      "Invalid option value: 'Sometimes' (Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy'): Value is not one of the allowed values: [AllAtOnce, Rolling, RollingWithAdditionalBatch, Immutable, TrafficSplitting]",
    );
    expect(() => resolveConfig([{ namespace: 'aws:elasticbeanstalk:environment:process:default', optionName: 'HealthCheckPath', value: 'health' }])).toThrow(/must be a path/);
    expect(() => resolveConfig([{ namespace: 'aws:autoscaling:asg', optionName: 'MinSize', value: '5' }, { namespace: 'aws:autoscaling:asg', optionName: 'MaxSize', value: '2' }])).toThrow(/MinSize \(5\) must be less than or equal to MaxSize \(2\)/);
  });
  it('reads the batch-health and traffic-splitting options', () => {
    expect(resolveConfig([])).toMatchObject({ ignoreHealthCheck: false, healthCheckSuccessThreshold: 'Ok', newVersionPercent: 10, evaluationTime: 5 });
    const config = resolveConfig([
      { namespace: NS, optionName: 'IgnoreHealthCheck', value: 'TRUE' },
      { namespace: 'aws:elasticbeanstalk:healthreporting:system', optionName: 'HealthCheckSuccessThreshold', value: 'Degraded' },
      { namespace: 'aws:elasticbeanstalk:trafficsplitting', optionName: 'NewVersionPercent', value: '25' },
      { namespace: 'aws:elasticbeanstalk:trafficsplitting', optionName: 'EvaluationTime', value: '3' },
    ]);
    expect(config).toMatchObject({ ignoreHealthCheck: true, healthCheckSuccessThreshold: 'Degraded', newVersionPercent: 25, evaluationTime: 3 });
    expect(() => resolveConfig([{ namespace: NS, optionName: 'IgnoreHealthCheck', value: 'yes' }])).toThrow(/OptionName: 'IgnoreHealthCheck'\): Value is not one of the allowed values: \[true, false\]/);
    expect(() => resolveConfig([{ namespace: 'aws:elasticbeanstalk:trafficsplitting', optionName: 'NewVersionPercent', value: '0' }])).toThrow(/NewVersionPercent/);
    expect(() => resolveConfig([{ namespace: 'aws:elasticbeanstalk:trafficsplitting', optionName: 'EvaluationTime', value: '2' }])).toThrow(/EvaluationTime/);
  });
  it('sizes rolling batches by percentage or fixed count', () => {
    const base = resolveConfig([{ namespace: NS, optionName: 'DeploymentPolicy', value: 'Rolling' }]);
    expect(batchCount(base, 4)).toBe(2);
    expect(batchCount({ ...base, batchSizeType: 'Fixed', batchSize: 1 }, 3)).toBe(1);
    expect(batchCount({ ...base, batchSizeType: 'Fixed', batchSize: 9 }, 3)).toBe(3);
  });
});

describe('bundles', () => {
  const file = (name: string, text: string) => ({ name, data: Buffer.from(text), mode: 0o644 });
  it('reads option_settings as a map, a list or JSON', () => {
    expect(parseEbextension('a.config', 'option_settings:\n  ns:\n    A: 1\n', 'v')).toEqual([{ namespace: 'ns', optionName: 'A', value: '1' }]);
    expect(parseEbextension('b.config', 'option_settings:\n  - namespace: ns\n    option_name: B\n    value: x\n', 'v')).toEqual([{ namespace: 'ns', optionName: 'B', value: 'x' }]);
    expect(parseEbextension('c.config', '{"option_settings": {"ns": {"C": true}}}', 'v')).toEqual([{ namespace: 'ns', optionName: 'C', value: 'true' }]);
    expect(parseEbextension('d.config', 'packages:\n  yum: {}\n', 'v')).toEqual([]);
    expect(() => parseEbextension('e.config', 'option_settings: [\n', 'v')).toThrow(BundleError);
    expect(() => parseEbextension('f.config', '- just a list\n', 'v')).toThrow(/must be a YAML or JSON map/);
  });
  it('finds the Procfile web command; processing validates configuration files only', () => {
    expect(procfileWebCommand('worker: x\nweb: node server.mjs --port $PORT\n')).toBe('node server.mjs --port $PORT');
    expect(inspectBundle([file('Procfile', 'web: node a.js'), file('.ebextensions/01.config', 'option_settings:\n  ns:\n    A: b\n')], 'v')).toEqual({ webCommand: 'node a.js', docker: false, optionSettings: [{ namespace: 'ns', optionName: 'A', value: 'b' }] });
    expect(inspectBundle([file('app.py', '')], 'v')).toEqual({ docker: false, optionSettings: [] });
    expect(inspectBundle([file('Procfile', 'worker: x')], 'v')).toEqual({ docker: false, optionSettings: [] });
    expect(() => inspectBundle([file('env.yaml', 'a: [')], 'v')).toThrow(/env.yaml in application version v contains invalid YAML/);
    expect(inspectBundle([file('Dockerfile', 'FROM x')], 'v')).toEqual({ docker: true, dockerProblem: DOCKERFILE_UNSUPPORTED, optionSettings: [] });
    const dockerrun = '{"AWSEBDockerrunVersion":"1","Image":{"Name":"127.0.0.1:5000/app@sha256:ab"},"Ports":[{"ContainerPort":"7999"}]}';
    // The Docker platform ignores a Procfile; a Dockerfile next to Dockerrun.aws.json would be built by EB: refused here.
    expect(inspectBundle([file('Dockerrun.aws.json', dockerrun), file('Procfile', 'web: x')], 'v')).toEqual({
      docker: true, dockerrun: { image: '127.0.0.1:5000/app@sha256:ab', containerPort: 7999, volumes: [] }, optionSettings: [],
    });
    expect(inspectBundle([file('Dockerrun.aws.json', dockerrun), file('Dockerfile', 'FROM x')], 'v').dockerProblem).toBe(DOCKERFILE_UNSUPPORTED);
  });
});

describe('Dockerrun.aws.json v1', () => {
  const doc = (over: Record<string, unknown>): string => JSON.stringify({ AWSEBDockerrunVersion: '1', Image: { Name: 'r/app:1' }, Ports: [{ ContainerPort: 7999 }], ...over });
  it('reads Image.Name, the first ContainerPort, Volumes of the bundle and Logging', () => {
    expect(parseDockerrun(doc({
      Volumes: [{ HostDirectory: '/var/app/current/bundle-version', ContainerDirectory: '/run/bundle' }, { HostDirectory: 'static', ContainerDirectory: '/srv/s' }],
      Logging: '/var/log/nginx',
    }))).toEqual({
      image: 'r/app:1', containerPort: 7999, logging: '/var/log/nginx',
      volumes: [{ bundlePath: 'bundle-version', containerDirectory: '/run/bundle' }, { bundlePath: 'static', containerDirectory: '/srv/s' }],
    });
  });
  it('says what is wrong with a Dockerrun the platform cannot run', () => {
    expect(() => parseDockerrun('{')).toThrow(/not valid JSON/);
    expect(() => parseDockerrun(doc({ AWSEBDockerrunVersion: 2 }))).toThrow(/Invalid Dockerrun.aws.json version "2".*reads version 1/);
    expect(() => parseDockerrun(doc({ Image: {} }))).toThrow(/Image.Name is required/);
    expect(() => parseDockerrun(doc({ Ports: [] }))).toThrow(/Ports needs one entry with ContainerPort/);
    expect(() => parseDockerrun(doc({ Ports: [{ ContainerPort: 'http' }] }))).toThrow(/ContainerPort must be a port number \(1-65535\), got "http"/);
    expect(() => parseDockerrun(doc({ Volumes: [{ HostDirectory: '/etc', ContainerDirectory: '/x' }] }))).toThrow(/HostDirectory "\/etc" is outside the application/);
    expect(() => parseDockerrun(doc({ Volumes: [{ HostDirectory: '../up', ContainerDirectory: '/x' }] }))).toThrow(/outside the application/);
    expect(() => parseDockerrun(doc({ Logging: 'logs' }))).toThrow(/Logging must be an absolute directory/);
  });
  it('forwards into a container the host loopback ports its environment names, and the image Env loses to it', () => {
    expect(loopbackPorts({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', S3: 'http://localhost:9000', OTHER: 'db.example.com:5432', N: '127.0.0.1:99999' })).toEqual([5432, 9000]);
    expect(containerEnv({ Env: ['A=1', 'PATH=/usr/bin', 'B=x=y'] }, { A: '2' })).toEqual(['A=2', 'PATH=/usr/bin', 'B=x=y']);
  });
});

describe('health', () => {
  const probe = (over: Partial<ProbeState>): ProbeState => ({ startedAt: 0, deploying: false, everOk: false, consecutiveFailures: 0, recent: [], ...over });
  const ok = { ok: true, statusCode: 200 };
  const err500 = { ok: false, statusCode: 500 };
  const refused = { ok: false };
  it('grades instances like EB: Pending while starting, Ok, Warning, then Severe after 3 failures', () => {
    expect(instanceHealth(probe({ deploying: true }), 31_000, 3000)).toMatchObject({ status: 'Pending', causes: ['Performing application deployment (running for 31 seconds).'] });
    expect(instanceHealth(probe({ recent: [refused], consecutiveFailures: 1 }), 1000, 3000).status).toBe('Pending');
    expect(instanceHealth(probe({ recent: [ok], everOk: true }), 5000, 3000)).toEqual({ status: 'Ok', color: 'Green', causes: [] });
    expect(instanceHealth(probe({ recent: [ok, err500], everOk: true, consecutiveFailures: 1, firstFailureAt: 4000 }), 5000, 3000).status).toBe('Warning');
    const severe = instanceHealth(probe({ recent: [err500, err500, err500], consecutiveFailures: 3, firstFailureAt: 0 }), 12_000, 3000);
    expect(severe).toEqual({ status: 'Severe', color: 'Red', causes: ['100.0 % of the requests are failing with HTTP 5xx.', 'Process default has been unhealthy for 12 seconds (Target.ResponseCodeMismatch).'] });
    expect(instanceHealth(probe({ recent: [refused, refused, refused], consecutiveFailures: 3, firstFailureAt: 0 }), 9000, 3000).causes).toEqual(['Process default has been unhealthy for 9 seconds (Target.FailedHealthChecks).']);
    expect(instanceHealth(probe({ exit: { code: 1, signal: null } }), 0, 0).causes).toEqual(['Following services are not running: web.', 'The web process exited with code 1.']);
    // A failed deployment command (image pull, hook) leaves the instance Severe even while its old version answers.
    expect(instanceHealth(probe({ recent: [ok], everOk: true, commandFailure: 'Failed to pull Docker image r/x' }), 5000, 3000)).toEqual({ status: 'Severe', color: 'Red', causes: ['Application deployment failed: Failed to pull Docker image r/x'] });
  });
  it('rolls instances up into the environment status, color and causes', () => {
    const inst = (status: 'Ok' | 'Severe' | 'Pending', p: Partial<ProbeState> = {}) => ({ health: { status, color: 'Grey' as const, causes: [] }, probe: probe(p) });
    expect(environmentHealth([inst('Ok'), inst('Ok')], 'Ready')).toMatchObject({ status: 'Ok', color: 'Green', counts: { Ok: 2 } });
    expect(environmentHealth([inst('Severe', { recent: [err500] }), inst('Severe')], 'Ready')).toMatchObject({
      status: 'Severe', color: 'Red',
      causes: ['ELB processes are not healthy on all instances.', 'ELB health is failing or not available for all instances.', '100.0 % of the requests are failing with HTTP 5xx.'],
    });
    expect(environmentHealth([inst('Severe'), inst('Ok'), inst('Ok')], 'Ready')).toMatchObject({ status: 'Warning', color: 'Yellow', causes: ['ELB processes are not healthy on 1 out of 3 instances.'] });
    expect(environmentHealth([inst('Severe', { exit: { code: 1, signal: null } }), inst('Ok')], 'Ready')).toMatchObject({ status: 'Degraded', color: 'Red', causes: ['Impaired services on 1 out of 2 instances.'] });
    expect(environmentHealth([inst('Pending', { deploying: true }), inst('Ok')], 'Updating')).toMatchObject({ status: 'Info', causes: ['Command is executing on 1 out of 2 instances.'] });
    expect(environmentHealth([], 'Ready')).toMatchObject({ status: 'NoData', color: 'Grey', causes: ['None of the instances are sending data.'] });
  });
});

describe('faults', () => {
  const s3 = { serverErrors: () => undefined, clear: () => undefined };
  it('throttles bursts per action, shares by chance, and 5xx bursts in order', () => {
    let roll = 0.9;
    const f = new FaultState(s3, () => roll);
    f.throttle({ burst: 1, actions: ['UpdateEnvironment'] });
    expect(f.interceptCall('DescribeEvents')).toBeUndefined();
    expect(f.interceptCall('UpdateEnvironment')).toMatchObject({ code: 'Throttling', message: 'Rate exceeded', status: 400 });
    expect(f.interceptCall('UpdateEnvironment')).toBeUndefined();
    f.throttle({ share: 0.5 });
    expect(f.interceptCall('DescribeEvents')).toBeUndefined();
    roll = 0.1;
    expect(f.interceptCall('DescribeEvents')?.code).toBe('Throttling');
    f.clear();
    f.serverErrors({ count: 2, status: 503 });
    expect(f.interceptCall('X')).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(f.interceptCall('X')?.status).toBe(503);
    expect(f.interceptCall('X')).toBeUndefined();
    expect(() => f.throttle({ share: 2 })).toThrow(/between 0 and 1/);
  });
  it('consumes a stuck update once and passes app faults as env vars', () => {
    const f = new FaultState(s3);
    f.stuckUpdate('dev');
    expect(f.takeStuckUpdate('dev')).toBe(true);
    expect(f.takeStuckUpdate('dev')).toBe(false);
    f.appFault('v2', { mode: 'crash-after', seconds: 5 });
    expect(f.appFaultEnv('v2')).toEqual({ EMULATOR_FAULT_MODE: 'crash-after', EMULATOR_FAULT_SECONDS: '5' });
    expect(f.appFaultEnv('v1')).toEqual({});
  });
  it('validates HTTP fault bodies field by field', () => {
    const f = new FaultState(s3);
    expect(applyFaultRequest(f, { stuckUpdate: 'dev', failProcessing: { label: 'v9' } })).toEqual(['failProcessing', 'stuckUpdate']);
    expect(f.processingFailure('v9')).toContain('fault injected');
    expect(() => applyFaultRequest(f, { appFault: { label: 'x', mode: 'explode' } })).toThrow(/appFault.mode" must be one of unhealthy, crash-after, slow-start/);
    expect(() => applyFaultRequest(f, { serverErrors: { count: 1, status: 502 } })).toThrow(/500 or 503/);
    expect(() => applyFaultRequest(f, [])).toThrow(/"body" must be a JSON object/);
  });
});
