// The emulator's one header reader: a header sent more than once reads as SigV4 signs it, every value
// in order joined by ',' (Node's req.headers would give '1, 2', or only the first Host/Content-Type).
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { header } from '../../src/emulator/http-header.js';

/** Sends `lines` as a raw HTTP/1.1 request head and hands back what the server saw. */
async function received(lines: string[]): Promise<IncomingMessage> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const seen = new Promise<IncomingMessage>((resolve) => server.once('request', (req: IncomingMessage, res) => (res.end(), resolve(req))));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('data', () => undefined);
    socket.end(['GET / HTTP/1.1', ...lines, 'Connection: close', '', ''].join('\r\n'));
    return await seen;
  } finally {
    server.close();
  }
}

describe('header()', () => {
  it('joins repeated values with "," in order, for every header, and reads single ones as sent', async () => {
    const req = await received(['Host: a', 'Host: b', 'X-Amz-Meta-A: 1', 'x-amz-meta-a:  2 ', 'Content-Type: t1', 'Content-Type: t2', 'X-Amz-Date: 20261201T000000Z']);
    expect(header(req, 'x-amz-meta-a')).toBe('1,2');
    expect(header(req, 'host')).toBe('a,b');
    expect(header(req, 'content-type')).toBe('t1,t2');
    expect(header(req, 'x-amz-date')).toBe('20261201T000000Z');
    expect(header(req, 'authorization')).toBeUndefined();
  });
});
