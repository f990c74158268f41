// What an environment did while a test's deploy ran, seen from outside the action: its status,
// version and health every 100 ms (DescribeEnvironments) and the version its load balancer serves.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { describeEnv } from '../support/emulator.js';

export interface Sample {
  at: number;
  status: string | undefined;
  label: string | undefined;
  health: string | undefined;
  /** The version the load balancer answered with ('' when it answered an error or nothing). */
  served: string;
}

export interface Timeline {
  samples: Sample[];
  /** When the environment was first Ready on `label` (its update finished there). */
  firstReadyOn(label: string): number | undefined;
  firstGreenOn(label: string): number | undefined;
  /** When the load balancer first served `label`, at or after `since`. */
  firstServing(label: string, since?: number): number | undefined;
}

async function served(cname: string | undefined): Promise<string> {
  if (!cname) return '';
  try {
    const res = await fetch(`http://${cname}/`, { signal: AbortSignal.timeout(1000) });
    if (res.status !== 200) return '';
    return ((await res.json()) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

/** Samples until `stop()`; a sample whose describe call fails (a throttling fault) is skipped. */
export function watchEnvironment(eb: ElasticBeanstalkClient, name: string, everyMs = 100): { stop(): Timeline } {
  const samples: Sample[] = [];
  let running = true;
  void (async () => {
    while (running) {
      try {
        const env = await describeEnv(eb, name);
        samples.push({ at: Date.now(), status: env.Status, label: env.VersionLabel, health: env.Health, served: await served(env.CNAME) });
      } catch {
        // skipped sample
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop() {
      running = false;
      return {
        samples,
        firstReadyOn: (label) => samples.find((s) => s.status === 'Ready' && s.label === label)?.at,
        firstGreenOn: (label) => samples.find((s) => s.status === 'Ready' && s.label === label && s.health === 'Green')?.at,
        firstServing: (label, since = 0) => samples.find((s) => s.at >= since && s.served === label)?.at,
      };
    },
  };
}
