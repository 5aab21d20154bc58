import type { Logger } from '@nimbus/logging';
import type { MetricsStore, RouterSecond } from '@nimbus/metrics';

/** A failing Redis is worth one warning per this long, not one per second. */
const WARN_EVERY_MS = 30_000;

/** Where a second's figures come from: the Node proxy's own count, or HAProxy's counters. */
export interface TrafficSource {
  /** The figures since the last take, for every app that had any; starts the next period. */
  take(): RouterSecond[];
}

export interface TrafficReporterOptions {
  traffic: TrafficSource;
  store: MetricsStore;
  /** Unique per router process (and worker): the store's heartbeat counts routers by it. */
  routerId: string;
  logger: Logger;
}

/**
 * Sends this router's traffic figures to the metrics store once per wall-clock second, just after
 * it ends, every second (an empty report is the router's heartbeat). Reports are dropped, never
 * queued: while one is still pending (Redis slow) or fails (Redis down) the next seconds are lost,
 * which the readers see as "no data"; proxying never waits on Redis.
 */
export class TrafficReporter {
  private timer: NodeJS.Timeout | undefined;
  private pending = false;
  private lastWarning = -Infinity;
  private stopped = false;

  constructor(private readonly options: TrafficReporterOptions) {}

  /** The first report covers the part of a second since start, averaged over that part. */
  start(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.report();
        this.start();
      },
      // A few ms past the boundary, so that a timer firing early still lands in the new second.
      1005 - (Date.now() % 1000),
    ).unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private report(): void {
    const seconds = this.options.traffic.take();
    // Called just after a boundary: the figures are the previous second's.
    const at = Math.floor(Date.now() / 1000) * 1000 - 1000;
    if (this.pending) return this.warn('previous report still pending, second dropped');
    this.pending = true;
    this.options.store
      .recordRouterSeconds(at, this.options.routerId, seconds)
      .catch((error: Error) => this.warn(error.message))
      .finally(() => (this.pending = false));
  }

  private warn(reason: string): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.options.logger.warn(
      { err: reason },
      'router metrics: report dropped (at most one warning per 30 s)',
    );
  }
}
