/** One instance's figures for one second, as an agent measured them. */
export interface InstanceSample {
  instanceId: string;
  appId: string;
  processType: string;
  /** CPU used over the last second as a fraction of the instance's CPU request (1 = all of it). */
  cpu: number;
  memoryBytes: number;
  ready: boolean;
}

/** What one router (one process or worker) saw for one app's `web` in one second. */
export interface RouterSecond {
  appId: string;
  /** Average requests in flight over the second (sampled often), held-by-activator ones included. */
  concurrency: number;
  /** Requests that ended in the second. */
  requests: number;
  /** Counts per {@link LATENCY_BUCKETS_MS} bucket (same length + 1 for "above the last"). */
  latency: number[];
}

/** Usage: requests per app of each epoch minute that had any (minute → appId → count). */
export type MinuteRequestCounts = Map<number, Map<string, number>>;

/** What the autoscaler sees of one app's process type. */
export interface ObservedMetrics {
  /** Per instance id: mean CPU fraction over cpuMs, null when it sent nothing in that window. */
  cpu: Map<string, number | null>;
  memoryBytes: Map<string, number | null>;
  /** App-wide (all routers summed), averaged over the window; null when no router reported in it. */
  concurrencyStable: number | null;
  concurrencyPanic: number | null;
  rpsStable: number | null;
}

export interface ObserveTarget {
  appId: string;
  processType: string;
  instanceIds: string[];
}

export interface ObserveWindows {
  cpuMs: number;
  stableMs: number;
  panicMs: number;
}

/** `value` is null when nothing reported in the step (not the same as zero). */
export interface MetricPoint {
  at: number;
  value: number | null;
}

export interface ProcessTypeSeries {
  processType: string;
  /** Mean CPU fraction of the request over the instances. */
  cpu: MetricPoint[];
  /** Summed over the instances. */
  memoryBytes: MetricPoint[];
  /** Instances that reported (≈ replicas running). */
  instances: MetricPoint[];
  /** Of those, ready. */
  ready: MetricPoint[];
  /** The router's figures exist for `web` only; other process types have empty arrays. */
  concurrency: MetricPoint[];
  rps: MetricPoint[];
  latencyP50Ms: MetricPoint[];
  latencyP95Ms: MetricPoint[];
}

export interface AppMetricSeries {
  from: number;
  to: number;
  stepMs: number;
  processTypes: ProcessTypeSeries[];
}

export interface MetricsStoreOptions {
  /** The deployment's Redis key prefix (NIMBUS_REDIS_PREFIX). */
  prefix: string;
  /** How long per-second figures are kept (NIMBUS_METRICS_RETENTION). */
  retentionMs: number;
}
