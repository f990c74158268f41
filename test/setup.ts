// Runs before every test file. Tests never reach a real AWS account: any SDK client that a test
// forgets to point at the emulator fails fast on this unreachable endpoint instead.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:9';
