// AWS throttling 30 % of EB calls: slower, never failed.
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { createEnvironmentReady, describeEnv, useEmulator } from '../support/emulator.js';
import { deployInputs, runEntry, servedVersion, useBundleDir } from './run-entry.js';

const h = useEmulator();
const bundle = useBundleDir('deploy-throttling');
const v2 = (name: string): Promise<string> => bundle(name, { version: 'v2' });
const inputs = (app: string, env: string, dir: string, timeout = '40s') => ({ ...deployInputs(app, env, dir), 'version-label': 'v2', 'deploy-timeout': timeout });

describe('deploy action: throttling', () => {
  it('30 % throttling → still deploys, retrying with backoff', async () => {
    await createEnvironmentReady(h, { app: 'thr', env: 'thr-dev', label: 'v1' });
    h.emulator.faults.throttle({ share: 0.3 });
    try {
      // The fault is real: single-attempt calls get "Rate exceeded" about a third of the time.
      const once = new ElasticBeanstalkClient({ maxAttempts: 1 });
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () => once.send(new DescribeEnvironmentsCommand({})).then(() => 'ok', (e: Error) => e.name)),
      );
      once.destroy();
      expect(outcomes.filter((o) => o === 'Throttling').length).toBeGreaterThan(2);
      const r = await runEntry('deploy', { inputs: inputs('thr', 'thr-dev', await v2('thr')), env: h.emulator.env });
      expect(r.errors, r.stdout).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.outputs['version-label']).toBe('v2');
    } finally {
      h.emulator.faults.clear();
    }
    expect(await servedVersion((await describeEnv(h.eb, 'thr-dev')).CNAME)).toBe('v2');
  });
});
