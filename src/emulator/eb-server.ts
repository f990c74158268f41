// The HTTP face of the EB emulator: the Query protocol on `/`, and the `/_emulator/*` control endpoint.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeInstanceHealth } from './describe.js';
import { handlers, type ApiContext } from './eb-api.js';
import type { EbGate } from './auth/eb-gate.js';
import { applyFaultRequest } from './fault-requests.js';
import { EbError, errorXml, newRequestId, QueryParams, resultXml } from './query-protocol.js';
import { EB_MODEL } from './model/eb-service-model.js';
import { readInput } from './model/request-input.js';
import { errorJson, resultJson, wantsJson } from './json-protocol.js';
import type { Runtime } from './runtime.js';

const MAX_BODY = 4 * 1024 * 1024;

export interface EbServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new EbError('InvalidParameterValue', `Request body exceeds ${MAX_BODY} bytes.`, 413));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/xml', requestId?: string): void {
  if (res.headersSent) return;
  const headers = { 'content-type': type, 'content-length': Buffer.byteLength(body), ...(requestId ? { 'x-amzn-requestid': requestId } : {}) };
  res.writeHead(status, headers).end(body);
}

export function stateDump(rt: Runtime): unknown {
  const { state } = rt;
  return {
    applications: [...state.applications.values()].map((a) => ({ name: a.name, created: a.created })),
    versions: [...state.versions.values()].map((v) => ({ application: v.app, label: v.label, status: v.status, source: v.source, failure: v.failure })),
    environments: state.environments.map((e) => ({
      name: e.name, id: e.id, application: e.app, versionLabel: e.versionLabel, status: e.status, health: e.health,
      healthStatus: e.healthStatus, causes: e.causes, endpoint: e.lb.endpoint, operation: e.operation?.kind,
      instances: [...e.instances, ...e.temporaryInstances].map((i) => ({ ...(describeInstanceHealth(i) as object), pid: i.pid, port: i.port, temporary: e.temporaryInstances.includes(i) })),
    })),
    events: state.events.length,
  };
}

async function handleControl(rt: Runtime, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (path === '/_emulator/state' && req.method === 'GET') return send(res, 200, JSON.stringify(stateDump(rt), null, 2), 'application/json');
  if (path === '/_emulator/faults' && req.method === 'DELETE') {
    rt.faults.clear();
    return send(res, 200, '{"cleared":true}', 'application/json');
  }
  if (path === '/_emulator/faults' && req.method === 'POST') {
    try {
      const applied = applyFaultRequest(rt.faults, JSON.parse(await readBody(req)) as unknown);
      return send(res, 200, JSON.stringify({ applied }), 'application/json');
    } catch (err) {
      return send(res, 400, JSON.stringify({ error: (err as Error).message }), 'application/json');
    }
  }
  send(res, 404, JSON.stringify({ error: `No control endpoint ${req.method ?? ''} ${path}; try GET /_emulator/state, POST or DELETE /_emulator/faults.` }), 'application/json');
}

/** The Query protocol's API version: required, and EB has one. */
function checkVersion(version: string | undefined): void {
  if (version === undefined) throw new EbError('MissingParameter', 'The request must contain the parameter Version');
  if (version !== EB_MODEL.apiVersion) throw new EbError('NoSuchVersion', `The requested version (${version}) of service AWSElasticBeanstalk does not exist`);
}

async function handleQuery(rt: Runtime, opts: EbServerOptions, req: http.IncomingMessage, res: http.ServerResponse, query: string): Promise<void> {
  const requestId = newRequestId();
  const json = wantsJson(req.headers.accept);
  try {
    const body = req.method === 'POST' ? await readBody(req) : '';
    const principal = await opts.gate?.authenticate(req, body);
    const params = QueryParams.parse(body, query);
    const action = params.action;
    if (!action) throw new EbError('MissingAction', 'The request must contain the parameter Action.');
    const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
    if (!handler) throw new EbError('InvalidAction', `The action ${action} is not valid for this web service.`);
    if (principal) opts.gate?.authorize(principal, action, params, rt.state, requestId);
    const injected = rt.faults.interceptCall(action);
    if (injected) throw injected;
    checkVersion(params.string('Version'));
    const input = readInput(EB_MODEL, action, params.all);
    const ctx: ApiContext = { rt, requestId, versionQuota: opts.versionQuota, input };
    const result = await handler(params, ctx);
    if (json) send(res, 200, resultJson(action, result, requestId), 'application/json', requestId);
    else send(res, 200, resultXml(action, result, requestId), 'text/xml', requestId);
  } catch (err) {
    const error = err instanceof EbError ? err : new EbError('InternalFailure', `The request processing has failed because of an unknown error: ${(err as Error).message}`, 500);
    if (!(err instanceof EbError)) console.error('eb emulator: unexpected error', err);
    if (json) send(res, error.status, errorJson(error, requestId), 'application/json', requestId);
    else send(res, error.status, errorXml(error, requestId), 'text/xml', requestId);
  }
}

export interface EbServerOptions {
  host: string;
  port: number;
  versionQuota: number;
  /** Signatures and identity policies (auth/eb-gate.ts); without it every request is accepted. */
  gate?: EbGate;
}

export async function startEbServer(rt: Runtime, opts: EbServerOptions): Promise<EbServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const work = url.pathname.startsWith('/_emulator/') ? handleControl(rt, req, res, url.pathname) : handleQuery(rt, opts, req, res, url.search);
    work.catch((err: unknown) => send(res, 500, String(err), 'text/plain'));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
