export { MAX_REQUEST_MINUTES, MetricsStore } from './metrics-store';
export { LATENCY_BUCKETS_MS, emptyLatencyHistogram, latencyBucket, latencyQuantile } from './latency';
export type {
  AppMetricSeries,
  InstanceSample,
  MetricPoint,
  MetricsStoreOptions,
  MinuteRequestCounts,
  ObservedMetrics,
  ObserveTarget,
  ObserveWindows,
  ProcessTypeSeries,
  RouterSecond,
} from './metrics-types';
