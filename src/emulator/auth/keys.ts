// The emulator's access keys: who may sign requests, and as which IAM user.
// Default: one key, test/test.
import { randomBytes } from 'node:crypto';

export interface AccessKeyOptions {
  accessKeyId: string;
  secretAccessKey: string;
  /** The IAM user the key belongs to (default: the key id); named in AccessDenied messages. */
  userName?: string;
}

export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  /** arn:aws:iam::ACCOUNT:user/NAME, or the service principal's name for the emulator's own calls. */
  arn: string;
}

export const DEFAULT_KEYS: AccessKeyOptions[] = [{ accessKeyId: 'test', secretAccessKey: 'test' }];

export class KeyStore {
  private readonly keys = new Map<string, Principal>();
  /** The key the emulated EB signs its own S3 calls with (fetching bundles, creating its bucket). */
  readonly service: Principal;

  constructor(
    readonly accountId: string,
    keys: AccessKeyOptions[] = DEFAULT_KEYS,
  ) {
    if (!Array.isArray(keys) || keys.length === 0) throw new Error('credentials: expected at least one { accessKeyId, secretAccessKey }');
    keys.forEach((k, i) => this.add(k, `credentials[${i}]`));
    this.service = { accessKeyId: `EMULATOREB${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64'), arn: 'elasticbeanstalk.amazonaws.com' };
    this.keys.set(this.service.accessKeyId, this.service);
  }

  private add(k: AccessKeyOptions, where: string): void {
    const id = k?.accessKeyId;
    if (typeof id !== 'string' || !/^[\w+=,.@-]{1,128}$/.test(id)) throw new Error(`${where}.accessKeyId: expected 1-128 letters, digits or _+=,.@-, got ${JSON.stringify(id)}`);
    if (typeof k.secretAccessKey !== 'string' || k.secretAccessKey === '') throw new Error(`${where}.secretAccessKey: expected a non-empty string`);
    if (this.keys.has(id)) throw new Error(`${where}.accessKeyId: ${id} is given twice`);
    const userName = k.userName ?? id;
    if (!/^[\w+=,.@-]{1,64}$/.test(userName)) throw new Error(`${where}.userName: expected an IAM user name (1-64 letters, digits or _+=,.@-), got ${JSON.stringify(userName)}`);
    const principal: Principal = { accessKeyId: id, secretAccessKey: k.secretAccessKey, arn: `arn:aws:iam::${this.accountId}:user/${userName}` };
    this.keys.set(id, principal);
  }

  get(accessKeyId: string): Principal | undefined {
    return this.keys.get(accessKeyId);
  }
}
