// The emulator's one XML module (src/emulator/xml.ts): what it writes is read back exactly by its own
// reader and by the AWS SDK's parsers (EB's Query protocol through the real client, S3 end to end
// through the in-process emulator), lists of 0, 1 and many, and what S3 refuses as MalformedXML.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DescribeEventsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from 'vitest';
import { EbError, errorXml, resultXml, type XmlValue } from '../../src/emulator/query-protocol.js';
import { childElements, childText, readXml, xmlDocument, XmlSyntaxError } from '../../src/emulator/xml.js';
import { useS3Server } from './s3-support.js';

const HOSTILE = [
  'a<b>c',
  '&amp; stays literal',
  '&lt;&#x41;&#65;',
  'ends ]]> a CDATA',
  `"double" and 'single'`,
  'tab\there, line\nfeed, crlf\r\nand a lone\rcarriage return',
  'é ünïcödé 😀 עברית 中文',
  '  spaces around  ',
  '007',
  'true',
];
const CONTROLS = ['bell\u0007', 'escape \u001b[31mred\u001b[0m', '\u0001\u0008\u000b\u000c\u001f', '\ufffe\uffff'];

describe('XML module', () => {
  it('reads back exactly what it writes: markup, entities, CDATA ends, quotes, unicode, CR and control characters', () => {
    for (const text of [...HOSTILE, ...CONTROLS, '']) {
      const xml = xmlDocument('Root', { Value: text, Attr: { '@a': text } }, { namespace: 'urn:x' });
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Root xmlns="urn:x">')).toBe(true);
      expect(childText(readXml(xml, 'Root'), 'Value') ?? '').toBe(text);
    }
  });

  it('writes elements in the order given, repeats arrays, keeps empty elements and leaves out undefined', () => {
    expect(xmlDocument('R', { B: 1, A: [{ X: 'x' }, { X: 'y' }], Empty: '', None: undefined, Nested: {}, C: false })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R><B>1</B><A><X>x</X></A><A><X>y</X></A><Empty></Empty><Nested></Nested><C>false</C></R>',
    );
    expect(xmlDocument('R', { A: [] })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<R></R>');
  });

  it('reads declared list elements as arrays whether there are 0, 1 or many', () => {
    const body = (n: number): string => `<Delete>${'<Object><Key>k</Key></Object>'.repeat(n)}<Quiet>true</Quiet></Delete>`;
    for (const n of [0, 1, 3]) {
      const root = readXml(body(n), 'Delete', ['Delete.Object']);
      expect(Array.isArray(root.Object ?? [])).toBe(true);
      expect(childElements(root, 'Object').map((o) => childText(o, 'Key'))).toEqual(Array<string>(n).fill('k'));
    }
    const prefixed = '<s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Object><s3:Key>k</s3:Key></s3:Object></s3:Delete>';
    expect(childElements(readXml(prefixed, 'Delete', ['Delete.Object']), 'Object')).toEqual([{ Key: 'k' }]);
    expect(childText(readXml('<R><K><![CDATA[<&amp;>]]></K></R>', 'R'), 'K')).toBe('<&amp;>');
    expect(childText(readXml('<R><K/></R>', 'R'), 'K')).toBe('');
  });

  it('refuses what is not well-formed, not the expected document, or not plain XML', () => {
    const bad = [
      '',
      'not xml',
      '<Delete><Object><Key>a</Key></Object>',
      '<Delete><Key>a<b</Key></Delete>',
      '<Delete><Key>a & b</Key></Delete>',
      '<Delete><Key>&nbsp;</Key></Delete>',
      '<Delete><Key>&#0;</Key></Delete>',
      '<Delete/><Delete/>',
      '<Other/>',
      '<!DOCTYPE d [<!ENTITY e "boom">]><Delete><Key>&e;</Key></Delete>',
      '<Delete><__proto__><polluted>1</polluted></__proto__></Delete>',
    ];
    for (const source of bad) expect(() => readXml(source, 'Delete'), source).toThrow(XmlSyntaxError);
    const twice = readXml('<Delete><Key>a</Key><Key>b</Key><Object><Key>c</Key></Object></Delete>', 'Delete');
    expect(() => childText(twice, 'Key')).toThrow(/appears more than once/);
    expect(() => childText(twice, 'Object')).toThrow(/holds elements/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/** An EB client whose every request is answered with `xml` (the SDK's own awsQuery deserializer reads it). */
function ebClientAnswering(status: number, xml: string): ElasticBeanstalkClient {
  return new ElasticBeanstalkClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: () =>
        Promise.resolve({ response: { statusCode: status, reason: '', headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(xml)]) } }),
    },
  });
}

describe("EB's Query replies through the AWS SDK's parser", () => {
  const event = (message: string): XmlValue => ({ EventDate: new Date('2026-12-01T00:00:00Z'), Message: message, EnvironmentName: 'dev', Severity: 'INFO' });

  it('reads 0, 1 and many <member> events, messages exact (XML-illegal characters as U+FFFD)', async () => {
    for (const messages of [[], ['only one'], HOSTILE]) {
      const client = ebClientAnswering(200, resultXml('DescribeEvents', { Events: messages.map(event) }, 'rid'));
      const out = await client.send(new DescribeEventsCommand({}));
      expect(out.Events?.map((e) => e.Message)).toEqual(messages);
    }
    const client = ebClientAnswering(200, resultXml('DescribeEvents', { Events: [event('bell\u0007 and escape \u001b[0m')] }, 'rid'));
    expect((await client.send(new DescribeEventsCommand({}))).Events?.[0]?.Message).toBe('bell\ufffd and escape \ufffd[0m');
  });

  it('reads an error with a hostile message as its code and message', async () => {
    const message = `No Application named '<app>&amp;"x"' found.`;
    const client = ebClientAnswering(400, errorXml(new EbError('InvalidParameterValue', message), 'rid'));
    const error = (await client.send(new DescribeEventsCommand({})).catch((e: unknown) => e)) as Error;
    expect([error.name, error.message]).toEqual(['InvalidParameterValue', message]);
  });
});

describe('S3 replies and request bodies through the AWS SDK, end to end', () => {
  const s3 = useS3Server();
  const BUCKET = 'xml-bucket';
  // S3 writes characters XML 1.0 cannot carry as references; the JS SDK reads them back exactly.
  const KEYS = [...HOSTILE, 'bell\u0007key', 'esc\u001bkey'];

  it('lists, deletes (one key and many) and completes (one part and many) with hostile keys', async () => {
    const { client } = s3();
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const key of KEYS) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual([...KEYS].sort());

    const one = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: KEYS[0] }] } }));
    expect(one.Deleted?.map((d) => d.Key)).toEqual([KEYS[0]]);
    const rest = KEYS.slice(1);
    const many = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: rest.map((Key) => ({ Key })) } }));
    expect(many.Deleted?.map((d) => d.Key)).toEqual(rest);
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).toEqual([]);

    for (const parts of [1, 2]) {
      const key = `mp <&> ${parts}`;
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
      const etags: string[] = [];
      for (let n = 1; n <= parts; n++) {
        const body = Buffer.alloc(n < parts ? 5 * 1024 * 1024 : 10, n);
        etags.push((await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: n, Body: body }))).ETag ?? '');
      }
      const listedParts = await client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }));
      expect(listedParts.Parts?.map((p) => p.ETag)).toEqual(etags);
      const done = await client.send(
        new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
      );
      expect([done.Key, done.ETag]).toEqual([key, expect.stringMatching(new RegExp(`-${parts}"$`))]);
    }
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted' }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted', UploadId }));
  });
});
