// The request forms of einaregilsson/beanstalk-deploy (the most-used EB deploy action), on the wire:
// GET with a signed query string, `Operation=` instead of `Action=`, `Name.members.N` lists, ISO 8601
// basic-format times (20261125T174000Z), and `Accept: application/json` — answered as EB answers
// them, in EB's JSON shape (the paths below are the ones beanstalk-deploy reads).
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, useEmulator, waitFor } from '../support/emulator.js';
import { signedFetch } from '../support/signed-fetch.js';
import { writeTestAppBundle, zipTestAppBundle } from '../support/test-app.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const h = useEmulator({ timeScale: 0.01 });

/** A JSON object as beanstalk-deploy reads it. */
type Data = { [key: string]: unknown };

/** The value at `path` in a JSON answer (undefined where the path breaks off). */
function at(data: unknown, ...path: (string | number)[]): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** One EB call the way beanstalk-deploy makes it: GET, every parameter in the query, JSON asked for. */
async function ebCall(query: Record<string, string>): Promise<{ status: number; contentType: string | null; data: Data }> {
  const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const res = await signedFetch(`${h.emulator.ebEndpoint}/?${qs}`, {
    method: 'GET',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') },
  }, { service: 'elasticbeanstalk' });
  const contentType = res.headers.get('content-type');
  const text = await res.text();
  return { status: res.status, contentType, data: contentType === 'application/json' ? (JSON.parse(text) as Data) : { text } };
}

/** new Date().toISOString() without separators or milliseconds, as beanstalk-deploy sends StartTime. */
const basicTime = (d: Date): string => d.toISOString().replace(/(-|:|\.\d\d\d)/g, '');

describe('beanstalk-deploy’s requests', () => {
  it('create storage location, look up, create and deploy a version, follow events and the environment, in JSON', async () => {
    await createEnvironmentReady(h, { app: 'bd', env: 'bd-prod', label: 'v1' });
    const storage = await ebCall({ Operation: 'CreateStorageLocation', Version: '2010-12-01' });
    expect(storage.status).toBe(200);
    expect(storage.contentType).toBe('application/json');
    const bucket = at(storage.data, 'CreateStorageLocationResponse', 'CreateStorageLocationResult', 'S3Bucket') as string;
    expect(bucket).toBe('elasticbeanstalk-us-east-1-123456789012');
    expect(at(storage.data, 'CreateStorageLocationResponse', 'ResponseMetadata', 'RequestId')).toMatch(/^[0-9a-f-]{36}$/);

    const missing = await ebCall({ Operation: 'DescribeApplicationVersions', Version: '2010-12-01', ApplicationName: 'bd', 'VersionLabels.members.1': 'v2' });
    expect(at(missing.data, 'DescribeApplicationVersionsResponse', 'DescribeApplicationVersionsResult', 'ApplicationVersions')).toEqual([]);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'bd-'));
    try {
      await writeTestAppBundle(dir, { version: 'v2' });
      await h.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bd/v2.zip', Body: await zipTestAppBundle(dir) }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const created = await ebCall({
      Operation: 'CreateApplicationVersion', Version: '2010-12-01', ApplicationName: 'bd', VersionLabel: 'v2', Description: 'from beanstalk-deploy',
      'SourceBundle.S3Bucket': bucket, 'SourceBundle.S3Key': 'bd/v2.zip',
    });
    expect(created.status).toBe(200);
    const version = at(created.data, 'CreateApplicationVersionResponse', 'CreateApplicationVersionResult', 'ApplicationVersion');
    expect(version).toMatchObject({ ApplicationName: 'bd', VersionLabel: 'v2', Description: 'from beanstalk-deploy', SourceBundle: { S3Bucket: bucket, S3Key: 'bd/v2.zip' }, Status: 'Unprocessed', BuildArn: null });
    expect(typeof at(version, 'DateCreated')).toBe('number');
    const found = await ebCall({ Operation: 'DescribeApplicationVersions', Version: '2010-12-01', ApplicationName: 'bd', 'VersionLabels.members.1': 'v2' });
    expect(at(found.data, 'DescribeApplicationVersionsResponse', 'DescribeApplicationVersionsResult', 'ApplicationVersions')).toHaveLength(1);

    // StartTime has whole seconds: start after the launch's last event's second.
    await new Promise((r) => setTimeout(r, 1100));
    const deployStart = new Date();
    const update = await ebCall({ Operation: 'UpdateEnvironment', Version: '2010-12-01', ApplicationName: 'bd', EnvironmentName: 'bd-prod', VersionLabel: 'v2' });
    expect(update.status).toBe(200);
    expect(at(update.data, 'UpdateEnvironmentResponse', 'UpdateEnvironmentResult')).toMatchObject({ EnvironmentName: 'bd-prod', Status: 'Updating' });

    const env = await waitFor('deployed', async () => {
      const out = await ebCall({ Operation: 'DescribeEnvironments', Version: '2010-12-01', ApplicationName: 'bd', 'EnvironmentNames.members.1': 'bd-prod' });
      return at(out.data, 'DescribeEnvironmentsResponse', 'DescribeEnvironmentsResult', 'Environments', 0) as Data;
    }, (e) => e.VersionLabel === 'v2' && e.Status === 'Ready' && e.Health === 'Green');
    expect(env).toMatchObject({ EnvironmentName: 'bd-prod', HealthStatus: 'Ok', AbortableOperationInProgress: false, TemplateName: null });

    const events = await ebCall({ Operation: 'DescribeEvents', Version: '2010-12-01', ApplicationName: 'bd', Severity: 'TRACE', EnvironmentName: 'bd-prod', StartTime: basicTime(deployStart) });
    const list = (at(events.data, 'DescribeEventsResponse', 'DescribeEventsResult', 'Events') as Data[]).reverse();
    expect(list.map((e) => e.Message)).toContain('Environment update completed successfully.');
    for (const e of list) {
      expect(typeof e.EventDate).toBe('number');
      expect(new Date((e.EventDate as number) * 1000).getTime()).toBeGreaterThanOrEqual(deployStart.getTime() - 1000);
    }
    // Events before StartTime (the environment's launch) are left out.
    expect(list.map((e) => e.Message)).not.toContain('createEnvironment is starting.');
  });

  it('answers errors and throttling as JSON with Error.Code, and XML to clients that do not ask for JSON', async () => {
    const unknown = await ebCall({ Operation: 'UpdateEnvironment', Version: '2010-12-01', ApplicationName: 'bd', EnvironmentName: 'bd-none', VersionLabel: 'v2' });
    expect(unknown.status).toBe(400);
    expect(unknown.contentType).toBe('application/json');
    expect(unknown.data).toMatchObject({ Error: { Code: 'InvalidParameterValue', Message: "No Environment found for EnvironmentName = 'bd-none'.", Type: 'Sender' } });
    h.emulator.faults.throttle({ burst: 1, actions: ['DescribeEvents'] });
    const throttled = await ebCall({ Operation: 'DescribeEvents', Version: '2010-12-01', ApplicationName: 'bd' });
    expect([throttled.status, at(throttled.data, 'Error', 'Code')]).toEqual([400, 'Throttling']);
    const xml = await signedFetch(`${h.emulator.ebEndpoint}/?Action=DescribeApplications&Version=2010-12-01`, { method: 'GET' }, { service: 'elasticbeanstalk' });
    expect(xml.headers.get('content-type')).toBe('text/xml');
    expect(await xml.text()).toContain('<DescribeApplicationsResponse');
  });
});
