import { UsageRepository, type Db, type SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';

const HOUR_MS = 3_600_000;

/** The routers' request counters (`MetricsStore` of `@nimbus/metrics`): taken, persisted, then settled. */
export interface RequestCounter {
  takeRequestCounts(): Promise<Map<string, number>>;
  settleRequestCounts(taken: Map<string, number>): Promise<void>;
}

/** Runs `work` in a transaction that commits only while this process leads (`LeaderElection.fenced`). */
export type Fenced = <T>(work: (tx: Db) => Promise<T>) => Promise<T>;

/** What one run counted. */
export interface UsageRecord {
  /** The span of instance-seconds counted; empty (`from` = `to`) when the cursor is not behind `now`. */
  from: Date;
  to: Date;
  /** InstanceUsage rows added to. */
  instanceRows: number;
  /** Requests persisted, summed over apps. */
  requests: number;
}

/** The UTC hour `at` falls in. */
export const hourOf = (at: Date): Date => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Persists usage every interval while leading: instance-seconds since the cursor, and the
 * requests the routers counted since the last run. Both land in one fenced transaction with the
 * cursor, so a span is counted exactly once whoever leads; the routers' counters are settled only
 * after it commits, so a failed run leaves them to the next one.
 */
export class UsageRecorder {
  constructor(
    private readonly system: SystemScope,
    private readonly requests: RequestCounter,
    private readonly fenced: Fenced,
    /** The first run counts this far back (or from the start of the longest-running instance). */
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async record(now: Date): Promise<UsageRecord> {
    const taken = await this.takeRequests();
    const record = await this.fenced((tx) => this.account(tx, now, taken));
    if (taken.size) await this.requests.settleRequestCounts(taken);
    return record;
  }

  /** Redis may be down: instance-seconds are still counted, requests wait for the next run. */
  private async takeRequests(): Promise<Map<string, number>> {
    try {
      return await this.requests.takeRequestCounts();
    } catch (error) {
      this.logger.warn({ err: error }, 'request counts unavailable; counting them next time');
      return new Map();
    }
  }

  private async account(tx: Db, now: Date, taken: Map<string, number>): Promise<UsageRecord> {
    const usage = new UsageRepository(tx);
    const from = (await usage.accountedUntil(this.system)) ?? (await this.firstFrom(usage, now));
    // A leader whose clock is behind its predecessor's never moves the cursor back.
    const instanceRows = now > from ? await usage.accountInstances(this.system, from, now) : 0;
    const unknown = await usage.addRequests(this.system, hourOf(now), taken);
    if (unknown.length)
      this.logger.debug({ appIds: unknown }, 'requests of apps that no longer exist not recorded');
    const requests = [...taken]
      .filter(([appId]) => !unknown.includes(appId))
      .reduce((sum, [, count]) => sum + count, 0);
    return { from, to: now > from ? now : from, instanceRows, requests };
  }

  private async firstFrom(usage: UsageRepository, now: Date): Promise<Date> {
    const previous = new Date(now.getTime() - this.intervalMs);
    const earliest = await usage.earliestRunningStart(this.system);
    return earliest && earliest < previous ? earliest : previous;
  }
}
