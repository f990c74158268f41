// Environment actions beyond deploy/terminate: RestartAppServer, RebuildEnvironment and
// SwapEnvironmentCNAMEs (blue/green).
import { environment, type ApiContext, type Handler } from './api-context.js';
import { rebuildEnvironment, restartAppServer, swapCnames } from './environments.js';
import { EbError, invalidParameter, type QueryParams } from './query-protocol.js';
import type { Environment } from './state.js';

function mustBeReady(env: Environment): void {
  if (env.status !== 'Ready') throw invalidParameter(`Environment named ${env.name} is in an invalid state for this operation. Must be Ready.`);
}

/** The Source/Destination environment of a swap, by name or id. */
function swapSide(p: QueryParams, ctx: ApiContext, side: 'Source' | 'Destination'): Environment {
  const name = p.string(`${side}EnvironmentName`);
  const id = p.string(`${side}EnvironmentId`);
  if (name === undefined && id === undefined) {
    throw new EbError('MissingParameter', `The request must contain the parameter ${side}EnvironmentName or ${side}EnvironmentId`);
  }
  const env = ctx.rt.state.findEnvironment(id !== undefined ? { id } : { name: name ?? '' });
  if (!env || env.status === 'Terminated' || (name !== undefined && env.name !== name)) {
    throw invalidParameter(id !== undefined ? `No Environment found for EnvironmentId = '${id}'.` : `No Environment found for EnvironmentName = '${name ?? ''}'.`);
  }
  return env;
}

export const environmentActionHandlers: Record<string, Handler> = {
  RestartAppServer(p, ctx) {
    const env = environment(p, ctx);
    mustBeReady(env);
    restartAppServer(ctx.rt, env, ctx.requestId);
    return undefined;
  },

  RebuildEnvironment(p, ctx) {
    const env = environment(p, ctx);
    mustBeReady(env);
    rebuildEnvironment(ctx.rt, env, ctx.requestId);
    return undefined;
  },

  SwapEnvironmentCNAMEs(p, ctx) {
    const source = swapSide(p, ctx, 'Source');
    const destination = swapSide(p, ctx, 'Destination');
    if (source === destination) throw invalidParameter(`Cannot swap the CNAME of environment ${source.name} with itself.`);
    mustBeReady(source);
    mustBeReady(destination);
    swapCnames(ctx.rt, source, destination, ctx.requestId);
    return undefined;
  },
};
