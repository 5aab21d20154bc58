/** What to write to Redis now: the held count, and whether to wake the orchestrator for it. */
export interface DemandReport {
  held: number;
  wake: boolean;
}

export interface DemandStep {
  report?: DemandReport;
  /** When to ask again (ms from now): a change held back by the throttle, or the next refresh. */
  againInMs?: number;
}

/**
 * When one app's held count is reported (pure; the caller owns the clock and the timer).
 *
 * The first request held is reported and wakes the orchestrator at once: that is the cold start's
 * critical path. Later changes are written at most once per `minIntervalMs`, waking it again only
 * when the count grew (a burst needs more instances; fewer waiting needs nothing). While requests
 * are held the count is written again every `refreshMs`, before the one written last goes stale
 * (DEMAND_TTL_MS after it). Back to zero is written at once, so the orchestrator stops counting
 * released requests.
 */
export class DemandThrottle {
  private reported = 0;
  private reportedAt = -Infinity;

  constructor(
    private readonly minIntervalMs: number,
    private readonly refreshMs: number,
  ) {}

  step(held: number, now: number): DemandStep {
    if (held === this.reported) {
      if (held === 0) return {};
      const refreshAt = this.reportedAt + this.refreshMs;
      if (now < refreshAt) return { againInMs: refreshAt - now };
      return this.report({ held, wake: false }, now);
    }
    if (held === 0 || this.reported === 0) return this.report({ held, wake: held > 0 }, now);
    const allowedAt = this.reportedAt + this.minIntervalMs;
    if (now < allowedAt) return { againInMs: allowedAt - now };
    return this.report({ held, wake: held > this.reported }, now);
  }

  private report(report: DemandReport, now: number): DemandStep {
    this.reported = report.held;
    this.reportedAt = now;
    return report.held > 0 ? { report, againInMs: this.refreshMs } : { report };
  }
}
