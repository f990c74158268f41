import type { ElasticBeanstalkClient, EnvironmentDescription, EventDescription, SingleInstanceHealth } from '@aws-sdk/client-elastic-beanstalk';
import type { FakeClock } from './fake-clock.js';
import { DescribeBudget } from '../../src/aws/describe-budget.js';

/**
 * A scripted EB for the gate's timing tests only (pure decision logic over describe answers):
 * the environment's state is a function of the fake clock. Everything that talks to AWS for real
 * is tested against the emulator through the real SDK instead.
 */
export interface ScriptedState {
  env: EnvironmentDescription;
  instances?: SingleInstanceHealth[] | 'not-enhanced';
  /** The health report's RefreshedAt, ms after the start; default: a new report every 10 s. */
  reportAtMs?: number;
  /** EB's events so far, newest first (as DescribeEvents answers). */
  events?: EventDescription[];
}

/** `budget` counts the describe calls like the real client's middleware does (the gate paces on it). */
export function scriptedEb(clock: FakeClock, script: (elapsedMs: number) => ScriptedState, budget = new DescribeBudget(clock)) {
  const start = clock.now();
  const calls: { at: number; name: string }[] = [];
  const client = {
    send(cmd: object): Promise<unknown> {
      const name = cmd.constructor.name;
      calls.push({ at: clock.now(), name });
      if (name.startsWith('Describe')) budget.record();
      const state = script(clock.now() - start);
      switch (name) {
        case 'DescribeEnvironmentsCommand':
          return Promise.resolve({ Environments: [{ EnvironmentName: 'dev-env', ...state.env }], $metadata: {} });
        case 'DescribeEventsCommand':
          return Promise.resolve({ Events: state.events ?? [], $metadata: {} });
        case 'DescribeInstancesHealthCommand':
          if (state.instances === 'not-enhanced')
            return Promise.reject(Object.assign(new Error('Enhanced health is not enabled'), { name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } }));
          return Promise.resolve({
            InstanceHealthList: state.instances ?? [],
            RefreshedAt: new Date(start + (state.reportAtMs ?? Math.floor((clock.now() - start) / 10_000) * 10_000)),
            $metadata: {},
          });
        default:
          return Promise.reject(new Error(`fake EB: unexpected ${name}`));
      }
    },
  };
  return { eb: client as unknown as ElasticBeanstalkClient, calls, budget };
}
