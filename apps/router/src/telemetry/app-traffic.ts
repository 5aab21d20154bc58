import { emptyLatencyHistogram, latencyBucket, type RouterSecond } from '@nimbus/metrics';

/** One app's figures since the last take. */
interface AppState {
  inFlight: number;
  /** When inFlight last changed (performance.now() ms). */
  changedAt: number;
  /** ∫ inFlight dt since the last take, in request·ms. */
  area: number;
  requests: number;
  latency: number[];
}

/**
 * What this router process sees of each app's traffic, per second: the in-flight count averaged
 * over time, the requests that ended and their latency histogram.
 *
 * The average is the exact time integral of the in-flight count (updated on each begin and end)
 * rather than a 100 ms sample: the same figure a fine sampler tends to, it costs nothing between
 * requests and it does not miss requests shorter than the sampling period.
 */
export class AppTraffic {
  private readonly apps = new Map<string, AppState>();
  private takenAt: number;

  constructor(private readonly now: () => number) {
    this.takenAt = now();
  }

  /** A request (or WebSocket) to the app is in flight from now, held by the activator or not. */
  started(appId: string): void {
    const now = this.now();
    const app = this.stateOf(appId, now);
    app.area += app.inFlight * (now - app.changedAt);
    app.changedAt = now;
    app.inFlight += 1;
  }

  /** It ended; `durationMs` is left out of the latency figures (a WebSocket's life is not one). */
  ended(appId: string, durationMs?: number): void {
    const now = this.now();
    const app = this.stateOf(appId, now);
    app.area += app.inFlight * (now - app.changedAt);
    app.changedAt = now;
    app.inFlight = Math.max(0, app.inFlight - 1);
    app.requests += 1;
    if (durationMs !== undefined) {
      const bucket = latencyBucket(durationMs);
      app.latency[bucket] = (app.latency[bucket] ?? 0) + 1;
    }
  }

  /** The figures since the last take, for every app that had any; starts the next period. */
  take(): RouterSecond[] {
    const now = this.now();
    const elapsed = Math.max(1, now - this.takenAt);
    this.takenAt = now;
    const seconds: RouterSecond[] = [];
    for (const [appId, app] of this.apps) {
      app.area += app.inFlight * (now - app.changedAt);
      app.changedAt = now;
      if (app.area > 0 || app.requests > 0) {
        seconds.push({
          appId,
          concurrency: app.area / elapsed,
          requests: app.requests,
          latency: app.latency,
        });
      }
      if (app.inFlight === 0) {
        this.apps.delete(appId);
        continue;
      }
      app.area = 0;
      app.requests = 0;
      app.latency = emptyLatencyHistogram();
    }
    return seconds;
  }

  private stateOf(appId: string, now: number): AppState {
    let app = this.apps.get(appId);
    if (!app) {
      app = { inFlight: 0, changedAt: now, area: 0, requests: 0, latency: emptyLatencyHistogram() };
      this.apps.set(appId, app);
    }
    return app;
  }
}
