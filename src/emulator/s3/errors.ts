// S3's error vocabulary: every failure the emulator reports is an S3Error, rendered by the server as
// `<Error><Code>…</Code><Message>…</Message>…</Error>` with the status S3 uses for that code.

export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements S3 adds to the error document (Key, BucketName, UploadId, …). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });

export const noSuchKey = (key: string): S3Error =>
  new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  );

export const malformedXml = (why: string): S3Error =>
  new S3Error(
    'MalformedXML',
    400,
    `The XML you provided was not well-formed or did not validate against our published schema (${why})`,
  );

export const invalidArgument = (message: string, name: string, value: string): S3Error =>
  new S3Error('InvalidArgument', 400, message, { ArgumentName: name, ArgumentValue: value });

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
    Condition: condition,
  });

export const badDigest = (algorithm: string): S3Error =>
  new S3Error(
    'BadDigest',
    400,
    algorithm === 'MD5'
      ? 'The Content-MD5 you specified did not match what we received.'
      : `The ${algorithm} you specified did not match the calculated checksum.`,
  );

export const notImplemented = (what: string): S3Error =>
  new S3Error('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ${what}`);

export const internalError = (): S3Error =>
  new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.');
