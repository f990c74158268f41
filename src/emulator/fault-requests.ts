// The JSON body of `POST /_emulator/faults`: one key per switch, several at once allowed, e.g.
// {"throttle":{"burst":3}} or {"stuckUpdate":{"environmentName":"dev"},"s3ServerErrors":{"count":2}}.
import { APP_FAULT_MODES, type AppFaultMode, type EmulatorFaults } from './faults.js';

const SWITCHES = ['throttle', 'serverErrors', 's3ServerErrors', 's3SlowParts', 'failProcessing', 'stuckUpdate', 'appFault'] as const;

function obj(value: unknown, name: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`"${name}" must be a JSON object`);
  return value as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, name: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new Error(`"${name}.${key}" must be a number`);
  return v;
}

function str(o: Record<string, unknown>, key: string, name: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new Error(`"${name}.${key}" must be a non-empty string`);
  return v;
}

function actions(o: Record<string, unknown>, name: string): { actions?: string[] } {
  const v = o.actions;
  if (v === undefined) return {};
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string')) throw new Error(`"${name}.actions" must be an array of action names`);
  return { actions: v as string[] };
}

/** Applies every switch in `body`; returns the names applied. Throws naming the bad field. */
export function applyFaultRequest(faults: EmulatorFaults, body: unknown): string[] {
  const b = obj(body, 'body');
  const unknown = Object.keys(b).filter((k) => !(SWITCHES as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`unknown fault switch(es) ${unknown.join(', ')}; expected some of ${SWITCHES.join(', ')}`);
  if (b.throttle !== undefined) {
    const t = obj(b.throttle, 'throttle');
    const share = num(t, 'share', 'throttle');
    const burst = num(t, 'burst', 'throttle');
    faults.throttle({ ...(share !== undefined ? { share } : {}), ...(burst !== undefined ? { burst } : {}), ...actions(t, 'throttle') });
  }
  if (b.serverErrors !== undefined) {
    const s = obj(b.serverErrors, 'serverErrors');
    const status = num(s, 'status', 'serverErrors');
    if (status !== undefined && status !== 500 && status !== 503) throw new Error('"serverErrors.status" must be 500 or 503');
    faults.serverErrors({ count: num(s, 'count', 'serverErrors') ?? 1, ...(status !== undefined ? { status } : {}), ...actions(s, 'serverErrors') });
  }
  if (b.s3ServerErrors !== undefined) {
    const count = typeof b.s3ServerErrors === 'number' ? b.s3ServerErrors : num(obj(b.s3ServerErrors, 's3ServerErrors'), 'count', 's3ServerErrors');
    faults.s3ServerErrors(count ?? 1);
  }
  if (b.s3SlowParts !== undefined) {
    const ms = typeof b.s3SlowParts === 'number' ? b.s3SlowParts : num(obj(b.s3SlowParts, 's3SlowParts'), 'ms', 's3SlowParts');
    if (ms === undefined || !Number.isInteger(ms) || ms < 0) throw new Error('"s3SlowParts.ms" must be a whole number of milliseconds');
    faults.s3SlowParts(ms);
  }
  if (b.failProcessing !== undefined) {
    const f = obj(b.failProcessing, 'failProcessing');
    const reason = f.reason === undefined ? undefined : str(f, 'reason', 'failProcessing');
    faults.failProcessing(str(f, 'label', 'failProcessing'), reason);
  }
  if (b.stuckUpdate !== undefined) {
    const name = typeof b.stuckUpdate === 'string' ? b.stuckUpdate : str(obj(b.stuckUpdate, 'stuckUpdate'), 'environmentName', 'stuckUpdate');
    faults.stuckUpdate(name);
  }
  if (b.appFault !== undefined) {
    const a = obj(b.appFault, 'appFault');
    const mode = str(a, 'mode', 'appFault');
    if (!(APP_FAULT_MODES as readonly string[]).includes(mode)) throw new Error(`"appFault.mode" must be one of ${APP_FAULT_MODES.join(', ')}`);
    const seconds = num(a, 'seconds', 'appFault');
    faults.appFault(str(a, 'label', 'appFault'), { mode: mode as AppFaultMode, ...(seconds !== undefined ? { seconds } : {}) });
  }
  return SWITCHES.filter((k) => b[k] !== undefined);
}
