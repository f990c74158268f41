// A per-environment load balancer: round-robin over healthy, in-service instances; 503 when none.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  port: number;
}

export class LoadBalancer {
  private server: http.Server | undefined;
  private next = 0;
  port = 0;

  constructor(
    private readonly backends: () => Backend[],
    private readonly host = '127.0.0.1',
  ) {}

  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pool = this.backends();
    if (pool.length === 0) {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n');
      req.resume();
      return;
    }
    const backend = pool[this.next++ % pool.length] as Backend;
    const upstream = http.request(
      { host: this.host, port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
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

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
