// A per-environment load balancer: round-robin over healthy, in-service instances; 503 when none.
// During a traffic-splitting deployment a share of the requests goes to a second (canary) pool.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { XmlValue } from './query-protocol.js';

export interface Backend {
  port: number;
}

/** Where requests go: `backends`, or `canary.backends` for `canary.percent` % of them (when both pools have instances). */
export interface Routing {
  backends: Backend[];
  canary?: { backends: Backend[]; percent: number };
}

export interface ServedRequest {
  at: number;
  /** The instance port that answered (none: the load balancer answered itself, e.g. 503). */
  port?: number;
  status: number;
  ms: number;
}

/** EB's ApplicationMetrics over the requests the load balancer answered in the last `windowMs`. */
export function applicationMetrics(served: ServedRequest[], now: number, windowMs: number, durationSeconds: number): XmlValue {
  const recent = served.filter((r) => now - r.at <= windowMs);
  if (recent.length === 0) return { Duration: durationSeconds, RequestCount: 0 };
  const count = (lo: number): number => recent.filter((r) => r.status >= lo && r.status < lo + 100).length;
  const sorted = recent.map((r) => r.ms / 1000).sort((a, b) => a - b);
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return {
    Duration: durationSeconds,
    RequestCount: recent.length,
    StatusCodes: { Status2xx: count(200), Status3xx: count(300), Status4xx: count(400), Status5xx: count(500) },
    Latency: { P999: pct(99.9), P99: pct(99), P95: pct(95), P90: pct(90), P85: pct(85), P75: pct(75), P50: pct(50), P10: pct(10) },
  };
}

export class LoadBalancer {
  private server: http.Server | undefined;
  private next = 0;
  /** Requests split between two pools so far: the canary gets exactly `percent` of every 100 in a row. */
  private splitCount = 0;
  port = 0;
  /** Recent answers (bounded), for ApplicationMetrics. */
  served: ServedRequest[] = [];

  constructor(
    private routing: () => Routing,
    private readonly host = '127.0.0.1',
  ) {}

  /** Where this load balancer sends requests from now on (SwapEnvironmentCNAMEs moves a name to another environment). */
  routeTo(routing: () => Routing): void {
    this.routing = routing;
  }

  /** host:port as clients reach it (an any-address listener is reached on loopback). */
  get endpoint(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${host}:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => this.forward(req, res));
    // An ALB's connection idle timeout (60 s by default). A short one races clients that reuse a
    // kept-alive connection just as the server closes it: ECONNRESET on a request nothing was wrong with.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = Date.now();
    const pool = this.pool(this.routing());
    const backend = pool.length === 0 ? undefined : pool[this.next++ % pool.length];
    res.once('finish', () => {
      this.served.push({ at: Date.now(), status: res.statusCode, ms: Date.now() - started, ...(backend ? { port: backend.port } : {}) });
      if (this.served.length > 10_000) this.served = this.served.slice(-5000);
    });
    if (!backend) {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n');
      req.resume();
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.setTimeout(60_000, () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>\n');
      else res.destroy();
    });
    req.pipe(upstream);
  }

  private pool({ backends, canary }: Routing): Backend[] {
    if (!canary || canary.backends.length === 0) return backends;
    if (backends.length === 0) return canary.backends;
    const n = this.splitCount++;
    const toCanary = Math.floor(((n + 1) * canary.percent) / 100) > Math.floor((n * canary.percent) / 100);
    return toCanary ? canary.backends : backends;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
