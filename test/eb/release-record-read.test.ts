// Reading the verified-release record through the SDK from the emulator: a page of versions at a
// time, newest first, until the question is answered — so a verified version older than a hundred
// newer ones is still found — and marks that cannot be true (not a time, dated in the future) are
// said and ignored, never believed.
import { describe, expect, it } from 'vitest';
import { CreateApplicationCommand, CreateApplicationVersionCommand, DescribeApplicationVersionsCommand, UpdateTagsForResourceCommand } from '@aws-sdk/client-elastic-beanstalk';
import { useEmulator } from '../support/emulator.js';
import { chooseRollbackTarget, newestVerified, readReleaseRecord, RECORD_PAGE } from '../../src/eb/release-record.js';
import { Deadline, systemClock } from '../../src/engine/clock.js';
import { MemoryLogger } from '../../src/engine/logger.js';

const h = useEmulator();

async function version(app: string, label: string, tags: Record<string, string> = {}): Promise<void> {
  await h.eb.send(new CreateApplicationVersionCommand({ ApplicationName: app, VersionLabel: label }));
  if (Object.keys(tags).length === 0) return;
  const arn = (await h.eb.send(new DescribeApplicationVersionsCommand({ ApplicationName: app, VersionLabels: [label] }))).ApplicationVersions?.[0]?.ApplicationVersionArn;
  await h.eb.send(new UpdateTagsForResourceCommand({ ResourceArn: arn, TagsToAdd: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

const context = () => {
  const log = new MemoryLogger();
  return { log, retry: { clock: systemClock, log, deadline: Deadline.after(systemClock, 60_000, 'the test deadline') } };
};
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

describe('reading the verified-release record', () => {
  it(`finds a verified version older than ${RECORD_PAGE} + 30 newer ones, and reads only the first page when the answer is in it`, async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'busy' }));
    await version('busy', 'prod-v1', { 'eb-pipeline:verified:busy-prod': ago(3_600_000) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < RECORD_PAGE + 30; i++) await version('busy', `dev-${i}`, { 'eb-pipeline:verified:busy-dev': ago(60_000) });
    await version('busy', 'prod-v2-broken');

    const { log, retry } = context();
    const enough = (records: Parameters<typeof newestVerified>[0]) => newestVerified(records, 'busy-prod', 'prod-v2-broken') !== undefined;
    const records = await readReleaseRecord(h.eb, 'busy', retry, { always: ['prod-v2-broken'], enough });
    expect(records).toHaveLength(RECORD_PAGE + 32);
    expect(chooseRollbackTarget(records, 'busy-prod', 'prod-v2-broken', 'prod-v2-broken')).toMatchObject({ label: 'prod-v1', basis: 'verified' });
    expect(log.text()).not.toMatch(/newest of/);

    // For dev the newest page answers: the rest is not read.
    const dev = context();
    const devRecords = await readReleaseRecord(h.eb, 'busy', dev.retry, { enough: (r) => newestVerified(r, 'busy-dev', 'prod-v2-broken') !== undefined });
    expect(devRecords).toHaveLength(RECORD_PAGE);
    expect(dev.log.text()).toContain(`read the verified-release record of the ${RECORD_PAGE} newest of ${RECORD_PAGE + 32} versions of "busy": enough to decide`);
  }, 60_000);

  it('ignores, and says, a verified mark dated in the future or that is not a time', async () => {
    await h.eb.send(new CreateApplicationCommand({ ApplicationName: 'forged' }));
    await version('forged', 'old-broken', { 'eb-pipeline:verified:forged-dev': '2099-12-02T00:00:00Z' });
    await version('forged', 'hand-made', { 'eb-pipeline:verified:forged-dev': 'true' });
    await version('forged', 'v1', { 'eb-pipeline:verified:forged-dev': ago(60_000) });
    await version('forged', 'v2');
    const { log, retry } = context();
    const records = await readReleaseRecord(h.eb, 'forged', retry);
    expect(chooseRollbackTarget(records, 'forged-dev', 'v2', 'v1')).toMatchObject({ label: 'v1', basis: 'verified' });
    expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message).sort()).toEqual([
      'ignored marks on version "hand-made" that cannot be true: eb-pipeline:verified:forged-dev=true (not a time)',
      'ignored marks on version "old-broken" that cannot be true: eb-pipeline:verified:forged-dev=2099-12-02T00:00:00Z (dated in the future)',
    ]);
  });
});
