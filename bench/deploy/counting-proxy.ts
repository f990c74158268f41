// A loopback HTTP proxy in front of an emulator endpoint that records every request (time,
// method, EB Query action, body bytes), so calls and uploaded bytes are counted on the wire, the
// same way for our engine and for awscli, without touching the emulator.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountedRequest {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  /** The Query-protocol Action (EB); undefined for S3 REST requests. */
  action: string | undefined;
  bytesIn: number;
}

export interface CountingProxy {
  url: string;
  requests: CountedRequest[];
  /** Requests whose action starts with `Describe`, between two instants. */
  describeCalls(from?: number, to?: number): number;
  close(): Promise<void>;
}

const ACTION = /(?:^|&)Action=([A-Za-z]+)/;

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const requests: CountedRequest[] = [];
  const server = http.createServer((req, res) => {
    const record: CountedRequest = { at: Date.now(), method: req.method ?? '?', action: undefined, bytesIn: 0 };
    requests.push(record);
    let head = '';
    const query = new URL(req.url ?? '/', 'http://proxy').search.slice(1);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${err.message}`);
    });
    req.on('data', (chunk: Buffer) => {
      record.bytesIn += chunk.length;
      if (head.length < 4096) head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
    });
    req.on('end', () => {
      record.action = ACTION.exec(head)?.[1] ?? ACTION.exec(query)?.[1];
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    describeCalls: (from = 0, to = Number.POSITIVE_INFINITY) =>
      requests.filter((r) => r.at >= from && r.at <= to && r.action?.startsWith('Describe')).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
