// Streams EB's events for one environment into the log as they happen, once each. Errors and
// warnings become annotations; they are kept for the summary and the failure message.
import { DescribeEventsCommand, type ElasticBeanstalkClient, type EventDescription } from '@aws-sdk/client-elastic-beanstalk';
import type { Logger } from '../engine/logger.js';
import type { EbTarget } from './environment.js';
import { withRetries, type RetryContext } from '../aws/retry.js';

export interface SeenEvent {
  date: Date;
  severity: string;
  message: string;
  /** The request of the operation that logged it (UpdateEnvironment...), when EB says. */
  requestId?: string | undefined;
}

function keyOf(e: EventDescription): string {
  return `${e.EventDate?.toISOString() ?? ''}|${e.Message ?? ''}`;
}

export class EventStreamer {
  private readonly seen = new Set<string>();
  private since: Date | undefined;
  readonly events: SeenEvent[] = [];
  /** When EB's events were last read (our clock): a poller need not read them again at once. */
  readAt = Number.NEGATIVE_INFINITY;
  /** Requests this run made on the environment (its updates, its aborts): their events are its own. */
  readonly ownRequests = new Set<string>();

  constructor(
    private readonly eb: ElasticBeanstalkClient,
    private readonly target: EbTarget,
    private readonly retry: RetryContext,
    private readonly log: Logger,
  ) {}

  /**
   * Remembers the newest events already there, so only what happens from now on is shown. Uses
   * EB's own event times, not ours: a skewed local clock cannot hide or repeat events.
   */
  async baseline(): Promise<void> {
    const res = await withRetries('DescribeEvents', this.retry, () =>
      this.eb.send(new DescribeEventsCommand({ ApplicationName: this.target.applicationName, EnvironmentName: this.target.environmentName, MaxRecords: 10 })),
    );
    this.readAt = this.retry.clock.now();
    for (const e of res.Events ?? []) this.seen.add(keyOf(e));
    this.since = res.Events?.[0]?.EventDate;
  }

  /** Fetches and logs new events; returns them oldest first. */
  async poll(): Promise<SeenEvent[]> {
    const res = await withRetries('DescribeEvents', this.retry, () =>
      this.eb.send(
        new DescribeEventsCommand({
          ApplicationName: this.target.applicationName,
          EnvironmentName: this.target.environmentName,
          StartTime: this.since,
          MaxRecords: 100,
        }),
      ),
    );
    this.readAt = this.retry.clock.now();
    const fresh: SeenEvent[] = [];
    for (const e of [...(res.Events ?? [])].reverse()) {
      const key = keyOf(e);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const event = { date: e.EventDate ?? new Date(0), severity: e.Severity ?? 'INFO', message: e.Message ?? '', requestId: e.RequestId || undefined };
      fresh.push(event);
      this.events.push(event);
      if (!this.since || event.date > this.since) this.since = event.date;
      const line = `[EB ${event.date.toISOString().slice(11, 19)}] ${event.severity} ${event.message}`;
      if (event.severity === 'ERROR' || event.severity === 'FATAL') this.log.error(line, { title: `Elastic Beanstalk: ${this.target.environmentName}` });
      else if (event.severity === 'WARN') this.log.warning(line, { title: `Elastic Beanstalk: ${this.target.environmentName}` });
      else this.log.info(line);
    }
    return fresh;
  }

  /** ERROR events seen since event number `from` (a gate only counts those of its own update). */
  errors(from = 0): SeenEvent[] {
    return this.events.slice(from).filter((e) => e.severity === 'ERROR' || e.severity === 'FATAL');
  }

  /**
   * The first event of an operation this run did not start, logged (EB's time) at or after the
   * first event of this run's request `own`: another actor's UpdateEnvironment while we gate ours.
   */
  foreignAfter(own: string | undefined, from = 0): SeenEvent | undefined {
    if (!own) return undefined;
    const list = this.events.slice(from);
    const start = list.find((e) => e.requestId === own)?.date;
    if (!start) return undefined;
    return list.find((e) => e.requestId !== undefined && e.requestId !== own && !this.ownRequests.has(e.requestId) && e.date >= start);
  }
}

/**
 * EB's error events, each said once: the same failure on several instances ("[Instance: i-a] Command
 * failed…", "[Instance: i-b] Command failed…") becomes one line naming them all, and repeats go.
 */
export function distinctErrors(messages: string[]): string[] {
  const instancesByText = new Map<string, string[]>();
  for (const message of messages) {
    const match = /^\[Instance: ([^\]]+)\] ([\s\S]*)$/.exec(message);
    const [key, instance] = match ? [`\u0000${match[2]}`, match[1]!] : [message, undefined];
    const instances = instancesByText.get(key) ?? [];
    if (instance !== undefined && !instances.includes(instance)) instances.push(instance);
    instancesByText.set(key, instances);
  }
  return [...instancesByText].map(([key, instances]) => {
    if (!key.startsWith('\u0000')) return key;
    return `[${instances.length === 1 ? 'Instance' : 'Instances'}: ${instances.join(', ')}] ${key.slice(1)}`;
  });
}
