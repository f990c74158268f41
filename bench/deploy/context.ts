// What every measurement gets from bench/deploy.ts: one emulator, its clients, the snapshot of
// the action bundles, a temp dir, and the names of the environment the deploy measurements use.
import type { Emulator } from '../../src/emulator/index.js';
import type { ActionBundles } from './action-bundles.js';
import type { Clients } from './eb-fixture.js';

export interface BenchContext {
  emulator: Emulator;
  clients: Clients;
  bundles: ActionBundles;
  tmp: string;
  app: string;
  env: string;
  timeScale: number;
  /** Repetitions of the deploy-detection measurement. */
  runs: number;
  log(line: string): void;
}

/** Environment variables for a tool pointed at the emulator, with EB and/or S3 behind proxies. */
export function toolEnv(ctx: BenchContext, endpoints: { eb?: string; s3?: string } = {}): Record<string, string> {
  return {
    ...ctx.emulator.env,
    AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: endpoints.eb ?? ctx.emulator.ebEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.s3 ?? ctx.emulator.s3Endpoint,
    AWS_PAGER: '',
  };
}
