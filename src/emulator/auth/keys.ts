// The emulator's access keys: who may sign requests, as which IAM user, under which identity policies.
// Default: one key, test/test, with no policy (allowed everything). A key given `policies` is held to
// them with IAM's default deny (auth/policy.ts): an empty list allows nothing.
import { randomBytes } from 'node:crypto';
import { parsePolicy, type Policy } from './policy.js';

export interface AccessKeyOptions {
  accessKeyId: string;
  secretAccessKey: string;
  /** The IAM user the key belongs to (default: the key id); named in AccessDenied messages. */
  userName?: string;
  /** Identity policy documents as IAM takes them (JSON text or parsed). Absent: every action allowed. */
  policies?: (string | object)[];
}

export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  /** arn:aws:iam::ACCOUNT:user/NAME, or the service principal's name for the emulator's own calls. */
  arn: string;
  /** undefined: no policy configured, every action allowed. */
  policies?: Policy[];
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
    if (k.policies !== undefined) {
      if (!Array.isArray(k.policies)) throw new Error(`${where}.policies: expected a list of policy documents`);
      principal.policies = k.policies.map((doc, j) => parsePolicy(doc, `${where}.policies[${j}]`));
    }
    this.keys.set(id, principal);
  }

  get(accessKeyId: string): Principal | undefined {
    return this.keys.get(accessKeyId);
  }
}
