// One reading of a request header for the emulated services (SigV4, EB, S3). A header sent more than
// once reads as SigV4's canonical request has it: every value, in order, joined by ',' (the SDKs
// sign repeated headers that way). Node's `req.headers` would join most repeated headers with ', '
// and keep only the first Host, Authorization, Content-Type, …, so a signature over them could not
// be checked; `headersDistinct` keeps them all.
import type { IncomingMessage } from 'node:http';

export type RequestHeaders = Pick<IncomingMessage, 'headersDistinct'>;

export function header(req: RequestHeaders, name: string): string | undefined {
  return req.headersDistinct[name]?.join(',');
}
