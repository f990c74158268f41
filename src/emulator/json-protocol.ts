// EB's JSON answers, for clients that send `Accept: application/json` (einaregilsson/beanstalk-deploy
// reads them): the same Query operation, rendered as
//   {"<Op>Response": {"<Op>Result": {...}, "ResponseMetadata": {"RequestId": "..."}}}
// with every member of the output shape present (null when absent), timestamps as epoch seconds and
// lists as arrays; errors as {"Error": {"Code", "Message", "Type"}, "RequestId"}.
import type { EbError, XmlValue } from './query-protocol.js';
import { EB_MODEL } from './model/eb-service-model.js';
import { shapeOf } from './model/shapes.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept);
}

/** `value` shaped by the model's `shapeName`. */
function shaped(shapeName: string, value: XmlValue): Json {
  if (value === undefined || value === null) return null;
  const shape = shapeOf(EB_MODEL, shapeName);
  switch (shape.type) {
    case 'structure': {
      const object = typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) ? value : {};
      return Object.fromEntries(Object.entries(shape.members ?? {}).map(([member, memberShape]) => [member, shaped(memberShape, object[member])]));
    }
    case 'list':
      return (Array.isArray(value) ? value : [value]).map((item) => shaped(shape.member ?? '', item));
    case 'timestamp': {
      const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      return date ? date.getTime() / 1000 : null;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return Number(value);
    case 'boolean':
      return value === true || value === 'true';
    default:
      if (value instanceof Date) return value.toISOString();
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

export function resultJson(action: string, result: XmlValue, requestId: string): string {
  const output = EB_MODEL.operations[action]?.output;
  const body: Record<string, Json> = {};
  if (output) body[`${action}Result`] = shaped(output, result);
  body.ResponseMetadata = { RequestId: requestId };
  return JSON.stringify({ [`${action}Response`]: body });
}

export function errorJson(error: EbError, requestId: string): string {
  return JSON.stringify({ Error: { Code: error.code, Message: error.message, Type: error.type }, RequestId: requestId });
}
