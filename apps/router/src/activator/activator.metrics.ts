import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type RejectReason = 'queue_full' | 'timeout' | 'closing' | 'no_route';

/** The activator's Prometheus series, in the router's registry. */
export class ActivatorMetrics {
  readonly wait: Histogram;
  readonly rejected: Counter<'reason'>;
  readonly held: Gauge<'host'>;

  constructor(registry: Registry, heldByHost: () => Iterable<readonly [string, number]>) {
    this.wait = new Histogram({
      name: 'nimbus_router_activator_wait_seconds',
      help: 'Time a request to an app at zero was held before it was forwarded to a new instance',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'nimbus_router_activator_rejected_total',
      help: 'Requests held for an app at zero that were answered 503, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.held = new Gauge({
      name: 'nimbus_router_activator_held',
      help: 'Requests held now for an app at zero, by app host (activatable hosts only)',
      labelNames: ['host'] as const,
      registers: [registry],
      collect() {
        // Rebuilt per scrape, so an app gone from the table leaves no series behind.
        this.reset();
        for (const [host, held] of heldByHost()) this.set({ host }, held);
      },
    });
  }
}
