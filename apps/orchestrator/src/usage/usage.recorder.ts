import { UsageRepository, type Db, type SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import { MAX_REQUEST_MINUTES, type MinuteRequestCounts } from '@nimbus/metrics';

const MINUTE_MS = 60_000;

/**
 * A run counts only up to this long before its `now`: routers report a second just after it
 * ends, and the gateway commits an instance's `startedAt`/`finishedAt` a moment after the time it
 * writes, so anything older is settled (a few seconds of clock skew between hosts included).
 */
export const USAGE_GRACE_MS = 5_000;

/** The routers' requests per minute (`MetricsStore` of `@nimbus/metrics`), read, never taken. */
export interface RequestCounter {
  requestCounts(fromMinute: number, toMinute: number): Promise<MinuteRequestCounts>;
}

/** Runs `work` in a transaction that commits only while this process leads (`LeaderElection.fenced`). */
export type Fenced = <T>(work: (tx: Db) => Promise<T>) => Promise<T>;

/** A span counted; empty (`from` = `to`) when there was nothing new. */
export interface UsageSpan {
  from: Date;
  to: Date;
}

/** What one run counted. */
export interface UsageRecord {
  /** Instance-seconds over the span, which ends the grace before `now`; `rows`: InstanceUsage rows added to. */
  instances: UsageSpan & { rows: number };
  /**
   * Requests of the routers' minutes in the span, summed over the apps that still exist; null
   * when Redis could not be read (the cursor stays, the next run counts them).
   */
  requests: (UsageSpan & { count: number }) | null;
}

/** The routers' counts of the minutes [from, to) (epoch minutes), read before the transaction. */
interface RequestsRead {
  from: number;
  to: number;
  counts: MinuteRequestCounts;
}

const minuteStart = (minute: number) => new Date(minute * MINUTE_MS);

/**
 * Persists usage every interval while leading, each kind behind a cursor moved in the same fenced
 * transaction as its counts, so a span is counted exactly once whoever leads and whatever fails:
 * instance-seconds from the instances' running spans, and requests from the routers' per-minute
 * counts, each minute into the hour it was served in. Redis is read before the transaction (so
 * it holds no lock while waiting on Redis) and only minutes at or after the cursor it then
 * locks are added; Redis keeps the counts for a day, so a late run catches up.
 */
export class UsageRecorder {
  constructor(
    private readonly system: SystemScope,
    private readonly requests: RequestCounter,
    private readonly fenced: Fenced,
    /** The first run counts this far back (instances: or from the start of the longest-running one). */
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async record(now: Date): Promise<UsageRecord> {
    const settled = new Date(now.getTime() - USAGE_GRACE_MS);
    const read = await this.readRequests(settled);
    return this.fenced(async (tx) => {
      const usage = new UsageRepository(tx);
      const instances = await this.accountInstances(usage, settled);
      return { instances, requests: read && (await this.accountRequests(usage, read)) };
    });
  }

  /**
   * The complete minutes from the requests cursor on, at most MAX_REQUEST_MINUTES (a longer gap
   * is caught up over several runs); null when Redis cannot be read: instance-seconds still count.
   */
  private async readRequests(settled: Date): Promise<RequestsRead | null> {
    // A glance in its own short transaction: the one that counts locks it and reads it again.
    const cursor = await this.fenced((tx) =>
      new UsageRepository(tx).requestsAccountedUntil(this.system, false),
    );
    const complete = Math.floor(settled.getTime() / MINUTE_MS);
    const from = cursor
      ? Math.floor(cursor.getTime() / MINUTE_MS)
      : Math.floor((settled.getTime() - this.intervalMs) / MINUTE_MS);
    // A leader whose clock is behind its predecessor's reads nothing (`to` = `from`).
    const to = Math.max(from, Math.min(complete, from + MAX_REQUEST_MINUTES));
    if (to < complete)
      this.logger.info(
        { from: minuteStart(from) },
        'request counts over a day behind; catching up a day a run',
      );
    try {
      return { from, to, counts: await this.requests.requestCounts(from, to) };
    } catch (error) {
      this.logger.warn({ err: error }, 'request counts unavailable; counting them next time');
      return null;
    }
  }

  private async accountInstances(usage: UsageRepository, to: Date): Promise<UsageRecord['instances']> {
    const from = (await usage.accountedUntil(this.system)) ?? (await this.firstFrom(usage, to));
    // A leader whose clock is behind its predecessor's never moves the cursor back.
    if (to <= from) return { from, to: from, rows: 0 };
    return { from, to, rows: await usage.accountInstances(this.system, from, to) };
  }

  private async accountRequests(
    usage: UsageRepository,
    read: RequestsRead,
  ): Promise<NonNullable<UsageRecord['requests']>> {
    const cursor = await usage.requestsAccountedUntil(this.system, true);
    // Another leader may have counted some of what was read since (then start at its cursor) or,
    // on a first run, started the cursor before what was read (then leave it to the next run).
    const from = cursor ? Math.floor(cursor.getTime() / MINUTE_MS) : read.from;
    if (from < read.from || from >= read.to) {
      return { from: minuteStart(from), to: minuteStart(from), count: 0 };
    }
    const minutes = [...read.counts]
      .filter(([minute]) => minute >= from)
      .flatMap(([minute, apps]) =>
        [...apps].map(([appId, requests]) => ({ minute: minuteStart(minute), appId, requests })),
      );
    const counted = await usage.accountRequests(this.system, minutes, minuteStart(read.to));
    if (counted.unknownAppIds.length) {
      this.logger.debug(
        { appIds: counted.unknownAppIds },
        'requests of apps that no longer exist not recorded',
      );
    }
    return { from: minuteStart(from), to: minuteStart(read.to), count: counted.requests };
  }

  private async firstFrom(usage: UsageRepository, to: Date): Promise<Date> {
    const previous = new Date(to.getTime() - this.intervalMs);
    const earliest = await usage.earliestRunningStart(this.system);
    return earliest && earliest < previous ? earliest : previous;
  }
}
