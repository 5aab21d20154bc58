import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What /metrics tells about this builder. */
export class BuilderMetrics {
  readonly registry = new Registry();
  private readonly builds = new Counter({
    name: 'nimbus_builds_total',
    help: 'Builds this builder finished, by outcome',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'nimbus_build_duration_seconds',
    help: 'Time from claim to record of finished builds',
    labelNames: ['status'] as const,
    buckets: [1, 2, 5, 10, 20, 40, 80, 160, 320, 640],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  finished(status: 'succeeded' | 'failed', elapsedMs: number): void {
    this.builds.inc({ status });
    this.duration.observe({ status }, elapsedMs / 1000);
  }
}
