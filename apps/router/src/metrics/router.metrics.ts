import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  collectDefaultMetrics,
  type PrometheusContentType,
} from 'prom-client';
import { LATENCY_BUCKETS_MS } from '@nimbus/metrics';

/** What the gauges read at scrape time, rather than being updated on every request. */
export interface MetricSources {
  routeCount(): number;
  /** Requests in flight per app host; the hosts still in the table, so idle apps read 0. */
  inFlightByHost(): Iterable<readonly [string, number]>;
}

/**
 * The router's Prometheus metrics, in a registry of its own (tests run several routers in one
 * process). An AggregatorRegistry, so that with several workers the supervisor can sum them.
 *
 * `host` labels carry app host names from the table only, never a client's Host header, so
 * their number is bounded by the apps routed.
 */
export class RouterMetrics {
  readonly registry = new AggregatorRegistry<PrometheusContentType>();
  readonly requests = new Counter({
    name: 'nimbus_router_requests_total',
    help: 'Requests answered, by app host ("" when no app matched) and status class (2xx, 5xx, ...)',
    labelNames: ['host', 'status_class'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'nimbus_router_upstream_latency_seconds',
    help: 'Time from sending a request to an instance to its response headers',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  /** Per app host, client arrival to last byte (WebSockets excluded), held-by-activator time included. */
  readonly requestDuration = new Histogram({
    name: 'nimbus_router_request_duration_seconds',
    help: 'Requests from arrival to their last byte, by app host',
    labelNames: ['host'] as const,
    // The metrics store's latency buckets, so both views of an app's latency agree.
    buckets: LATENCY_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });
  /** Concurrency per app: what the autoscaler's concurrency target is measured against. */
  readonly inFlight: Gauge<'host'>;
  readonly retries = new Counter({
    name: 'nimbus_router_retries_total',
    help: 'Requests sent again to another instance after a refused or dropped connection',
    registers: [this.registry],
  });
  readonly routes: Gauge;

  constructor(sources: MetricSources) {
    this.inFlight = new Gauge({
      name: 'nimbus_router_in_flight_requests',
      help: 'Requests (and WebSockets) being proxied now, by app host',
      labelNames: ['host'] as const,
      registers: [this.registry],
      collect() {
        // Rebuilt per scrape, so an app gone from the table leaves no series behind.
        this.reset();
        for (const [host, count] of sources.inFlightByHost()) this.set({ host }, count);
      },
    });
    this.routes = new Gauge({
      name: 'nimbus_router_routes',
      help: 'App hosts in the endpoint table',
      registers: [this.registry],
      // Every worker holds the whole table: summed over workers it would count each app N times.
      aggregator: 'max',
      collect() {
        this.set(sources.routeCount());
      },
    });
    this.registry.setDefaultLabels({ service: 'router' });
    collectDefaultMetrics({ register: this.registry });
  }
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export const statusClass = (status: number): string =>
  STATUS_CLASSES[Math.floor(status / 100) - 1] ?? 'other';
