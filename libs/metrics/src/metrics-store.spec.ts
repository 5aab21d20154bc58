import { Redis } from 'ioredis';
import { createTestRedisPrefix, testEnvironment } from '@nimbus/testing';
import { emptyLatencyHistogram, latencyBucket, latencyQuantile, LATENCY_BUCKETS_MS } from './latency';
import { MAX_REQUEST_MINUTES, MetricsStore, REQUEST_COUNTS_TTL_MS } from './metrics-store';
import type { InstanceSample, RouterSecond } from './metrics-types';

const RETENTION_MS = 3_600_000;
/** 30 s into a minute, so windows of a few seconds stay inside one minute unless a test crosses it. */
const T = Date.UTC(2026, 0, 1, 12, 0, 30);

const sample = (instanceId: string, cpu: number, extra: Partial<InstanceSample> = {}): InstanceSample => ({
  instanceId,
  appId: 'app-1',
  processType: 'web',
  cpu,
  memoryBytes: 100_000_000,
  ready: true,
  ...extra,
});

function routed(appId: string, concurrency: number, durationsMs: number[]): RouterSecond {
  const latency = emptyLatencyHistogram();
  for (const duration of durationsMs) latency[latencyBucket(duration)]! += 1;
  return { appId, concurrency, requests: durationsMs.length, latency };
}

describe(MetricsStore.name, () => {
  let redis: Redis;
  let prefix: string;
  let store: MetricsStore;

  beforeAll(() => {
    redis = new Redis(testEnvironment().TEST_REDIS_URL);
  });
  beforeEach(() => {
    prefix = createTestRedisPrefix();
    store = new MetricsStore(redis, { prefix, retentionMs: RETENTION_MS });
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('should read back instance samples as a series per process type', async () => {
    await store.recordInstances(T, [sample('i-1', 0.5), sample('i-2', 0.3, { ready: false })]);
    await store.recordInstances(T, [sample('w-1', 0.1, { processType: 'worker' })]);
    await store.recordInstances(T + 1000, [sample('i-1', 0.7), sample('i-2', 0.5)]);

    const series = await store.series('app-1', T, T + 3000, 1000);

    expect(series.processTypes.map((p) => p.processType)).toEqual(['web', 'worker']);
    const web = series.processTypes[0]!;
    expect(web.cpu.map((p) => p.value)).toEqual([0.4, 0.6, null]);
    expect(web.memoryBytes.map((p) => p.value)).toEqual([200_000_000, 200_000_000, null]);
    expect(web.instances.map((p) => p.value)).toEqual([2, 2, null]);
    expect(web.ready.map((p) => p.value)).toEqual([1, 2, null]);
    expect(web.cpu.map((p) => p.at)).toEqual([T, T + 1000, T + 2000]);
    const worker = series.processTypes[1]!;
    expect(worker.cpu[0]!.value).toBeCloseTo(0.1);
    expect(worker.concurrency).toEqual([]);
  });

  it('should merge two routers seconds and average them over a step', async () => {
    await store.recordRouterSeconds(T, 'router-a', [routed('app-1', 2, [3, 3, 3, 3])]);
    await store.recordRouterSeconds(T, 'router-b', [routed('app-1', 1, [3, 3, 3, 3, 300, 300])]);
    // Both routers alive in the next second, the app idle: a zero, not a gap.
    await store.recordRouterSeconds(T + 1000, 'router-a', []);

    const series = await store.series('app-1', T, T + 2000, 1000);
    const web = series.processTypes.find((p) => p.processType === 'web')!;
    expect(web.concurrency.map((p) => p.value)).toEqual([3, 0]);
    expect(web.rps.map((p) => p.value)).toEqual([10, 0]);
    expect(web.latencyP50Ms[0]!.value).toBeGreaterThan(2);
    expect(web.latencyP50Ms[0]!.value).toBeLessThanOrEqual(5);
    expect(web.latencyP95Ms[0]!.value).toBeGreaterThan(200);
    expect(web.latencyP95Ms[0]!.value).toBeLessThanOrEqual(500);
    expect(web.latencyP50Ms[1]!.value).toBeNull();

    const wide = await store.series('app-1', T, T + 2000, 2000);
    const merged = wide.processTypes.find((p) => p.processType === 'web')!;
    expect(merged.concurrency[0]!.value).toBe(1.5);
    expect(merged.rps[0]!.value).toBe(5);
  });

  it('should observe each instance CPU as its mean over the window and missing ones as null', async () => {
    await store.recordInstances(T - 3000, [sample('i-1', 0.2)]);
    await store.recordInstances(T - 2000, [sample('i-1', 0.4)]);
    await store.recordInstances(T - 1000, [sample('i-1', 0.9, { memoryBytes: 300_000_000 })]);
    await store.recordInstances(T - 10_000, [sample('i-2', 0.9)]);

    const observed = await store.observe(
      [{ appId: 'app-1', processType: 'web', instanceIds: ['i-1', 'i-2'] }],
      T + 500,
      { cpuMs: 3000, stableMs: 10_000, panicMs: 2000 },
    );

    const web = observed.get('app-1:web')!;
    expect(web.cpu.get('i-1')).toBeCloseTo(0.65);
    expect(web.memoryBytes.get('i-1')).toBe(200_000_000);
    expect(web.cpu.get('i-2')).toBeNull();
    expect(web.memoryBytes.get('i-2')).toBeNull();
  });

  it('should observe concurrency and request rate over the stable and panic windows across minutes', async () => {
    // T - 31 s .. T - 30 s sits in the previous minute.
    for (let i = 40; i >= 1; i--) {
      const concurrency = i <= 2 ? 20 : 2;
      await store.recordRouterSeconds(T - i * 1000, 'router-a', [routed('app-1', concurrency, [10, 10])]);
    }

    const observed = await store.observe(
      [
        { appId: 'app-1', processType: 'web', instanceIds: [] },
        { appId: 'app-1', processType: 'worker', instanceIds: [] },
      ],
      T + 200,
      { cpuMs: 1000, stableMs: 40_000, panicMs: 2000 },
    );

    const web = observed.get('app-1:web')!;
    expect(web.concurrencyStable).toBeCloseTo((38 * 2 + 2 * 20) / 40);
    expect(web.concurrencyPanic).toBe(20);
    expect(web.rpsStable).toBe(2);
    expect(observed.get('app-1:worker')!.concurrencyStable).toBeNull();
  });

  it('should observe null concurrency when no router reported and zero when routers saw no traffic', async () => {
    const windows = { cpuMs: 1000, stableMs: 5000, panicMs: 2000 };
    const target = [{ appId: 'app-1', processType: 'web', instanceIds: [] }];

    const silent = (await store.observe(target, T, windows)).get('app-1:web')!;
    expect(silent.concurrencyStable).toBeNull();
    expect(silent.concurrencyPanic).toBeNull();
    expect(silent.rpsStable).toBeNull();
    expect(await store.routerReportedWithin(5000, T)).toBe(false);

    await store.recordRouterSeconds(T - 2000, 'router-a', [routed('other-app', 1, [1])]);
    const idle = (await store.observe(target, T, windows)).get('app-1:web')!;
    expect(idle.concurrencyStable).toBe(0);
    expect(idle.rpsStable).toBe(0);
    expect(await store.routerReportedWithin(5000, T)).toBe(true);
    expect(await store.routerReportedWithin(5000, T + 60_000)).toBe(false);
  });

  it('should keep the last activity per app', async () => {
    await store.recordRouterSeconds(T, 'router-a', [routed('app-1', 0.5, [])]);
    await store.recordRouterSeconds(T - 5000, 'router-b', [routed('app-1', 0, [4])]);

    const activity = await store.lastActivity(['app-1', 'app-2']);
    expect(activity.get('app-1')).toBe(T + 1000);
    expect(activity.get('app-2')).toBeNull();
  });

  it('should count requests per minute and app, summed over routers, and keep them when read', async () => {
    const minute = Math.floor(T / 60_000);
    await store.recordRouterSeconds(T, 'router-a', [routed('app-1', 1, [1, 1, 1]), routed('app-2', 1, [1])]);
    await store.recordRouterSeconds(T, 'router-b', [routed('app-1', 1, [1])]);
    await store.recordRouterSeconds(T + 30_000, 'router-a', [routed('app-1', 1, [1, 1])]);
    await store.recordRouterSeconds(T + 60_000, 'router-a', [routed('app-2', 0, [])]);

    const expected = new Map([
      [
        minute,
        new Map([
          ['app-1', 4],
          ['app-2', 1],
        ]),
      ],
      [minute + 1, new Map([['app-1', 2]])],
    ]);
    expect(await store.requestCounts(minute - 1, minute + 3)).toEqual(expected);
    expect(await store.requestCounts(minute - 1, minute + 3)).toEqual(expected);
    expect(await store.requestCounts(minute + 1, minute + 1)).toEqual(new Map());
  });

  it('should refuse to read more minutes of request counts than it keeps', async () => {
    const minute = Math.floor(T / 60_000);
    await expect(store.requestCounts(minute, minute + MAX_REQUEST_MINUTES)).resolves.toEqual(new Map());
    await expect(store.requestCounts(minute, minute + MAX_REQUEST_MINUTES + 1)).rejects.toThrow(RangeError);
    await expect(store.requestCounts(minute, minute - 1)).rejects.toThrow(RangeError);
  });

  it('should let every key expire after the retention, request counts after a day', async () => {
    await store.recordInstances(T, [sample('i-1', 0.5)]);
    await store.recordRouterSeconds(T, 'router-a', [routed('app-1', 1, [1])]);

    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      const counts = key.startsWith(`${prefix}metrics:requests:`);
      expect(ttl).toBeLessThanOrEqual(counts ? REQUEST_COUNTS_TTL_MS : RETENTION_MS + 60_000);
      if (counts) expect(ttl).toBeGreaterThan(RETENTION_MS + 60_000);
    }
  });

  it('should refuse a series with too small a step', async () => {
    await expect(store.series('app-1', T, T + 1000, 10)).rejects.toThrow(RangeError);
  });
});

describe(latencyQuantile.name, () => {
  it('should interpolate inside the bucket like histogram_quantile', () => {
    const histogram = emptyLatencyHistogram();
    histogram[latencyBucket(15)] = 10; // the 10–20 ms bucket
    expect(latencyQuantile(histogram, 0.5)).toBe(15);
    expect(latencyQuantile(emptyLatencyHistogram(), 0.5)).toBeNull();
  });

  it('should answer the last bound for the overflow bucket', () => {
    const histogram = emptyLatencyHistogram();
    histogram[LATENCY_BUCKETS_MS.length] = 1;
    expect(latencyQuantile(histogram, 0.95)).toBe(LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]);
  });
});
