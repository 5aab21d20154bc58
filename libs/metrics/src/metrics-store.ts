import type { ChainableCommander, Redis } from 'ioredis';
import { epochSecond, MetricsKeys, minuteOf, secondInMinute } from './metrics-keys';
import type {
  AppMetricSeries,
  InstanceSample,
  MetricsStoreOptions,
  ObservedMetrics,
  ObserveTarget,
  ObserveWindows,
  MinuteRequestCounts,
  RouterSecond,
} from './metrics-types';
import { ObserveQuery } from './observe-query';
import { ROUTED_PROCESS_TYPE, SeriesBuilder } from './series-builder';

/** Keeps the later of two times: routers may report the same app out of order. */
const SET_LATER = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0`;

/**
 * How long a minute's request counts are kept for usage: a day, so the control plane may go that
 * long without a leader (an outage, a bad deploy) and the next one still counts every minute.
 */
export const REQUEST_COUNTS_TTL_MS = 86_400_000;

/**
 * The most minutes one `requestCounts` reads: older ones than the counts' lifetime have expired,
 * and one HGETALL per minute in a pipeline keeps the reply (minutes × apps) bounded.
 */
export const MAX_REQUEST_MINUTES = REQUEST_COUNTS_TTL_MS / 60_000;

/** A series longer than this is a caller's mistake (an hour at one second is 3,600). */
const MAX_POINTS = 10_000;

/**
 * Short windows of per-second metrics in Redis (layout in metrics-keys.ts). They may be lost;
 * readers then see "no data" (null), never zero. Every method is one round trip.
 */
export class MetricsStore {
  private readonly keys: MetricsKeys;
  /** A minute's hash lives a minute longer than its last second must. */
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: MetricsStoreOptions,
  ) {
    this.keys = new MetricsKeys(options.prefix);
    this.ttlMs = options.retentionMs + 60_000;
  }

  /** From the gateway, for a node's batch (agents post every second). `at` = ms since epoch. */
  async recordInstances(at: number, samples: InstanceSample[]): Promise<void> {
    if (samples.length === 0) return;
    const second = epochSecond(at);
    const minute = minuteOf(second);
    const s = secondInMinute(second);
    const pipeline = this.redis.pipeline();
    const written = new Set<string>();
    for (const sample of samples) {
      const appKey = this.keys.app(sample.appId, minute);
      const instancesKey = this.keys.instances(sample.appId, minute);
      const field = `${s}:${sample.processType}`;
      const cpu = Math.round(sample.cpu * 10_000) / 10_000;
      const memoryBytes = Math.round(sample.memoryBytes);
      pipeline.hincrbyfloat(appKey, `${field}:cpu`, cpu);
      pipeline.hincrby(appKey, `${field}:mem`, memoryBytes);
      pipeline.hincrby(appKey, `${field}:n`, 1);
      if (sample.ready) pipeline.hincrby(appKey, `${field}:ready`, 1);
      pipeline.hset(
        instancesKey,
        `${sample.instanceId}:${s}`,
        `${cpu} ${memoryBytes} ${sample.ready ? 1 : 0}`,
      );
      written.add(appKey).add(instancesKey);
    }
    for (const key of written) pipeline.pexpire(key, this.ttlMs);
    await run(pipeline);
  }

  /**
   * From a router every second: its seconds for active apps; also marks the router alive
   * (heartbeat), adds `requests` to the minute's per-app counts for usage (see requestCounts) and
   * sets last-activity per app. `at` is any instant of the second the figures describe.
   */
  async recordRouterSeconds(at: number, routerId: string, seconds: RouterSecond[]): Promise<void> {
    const second = epochSecond(at);
    const minute = minuteOf(second);
    const s = secondInMinute(second);
    const secondEnd = (second + 1) * 1000;
    const pipeline = this.redis.pipeline();
    pipeline.zadd(this.keys.routers(), secondEnd, routerId);
    pipeline.zremrangebyscore(this.keys.routers(), '-inf', secondEnd - this.options.retentionMs);
    pipeline.pexpire(this.keys.routers(), this.ttlMs);
    pipeline.hincrby(this.keys.routerSeconds(minute), String(s), 1);
    pipeline.pexpire(this.keys.routerSeconds(minute), this.ttlMs);
    let answered = false;
    for (const figures of seconds) {
      const requests = Math.round(figures.requests);
      if (figures.concurrency <= 0 && requests <= 0) continue;
      const appKey = this.keys.app(figures.appId, minute);
      const field = `${s}:${ROUTED_PROCESS_TYPE}`;
      if (figures.concurrency > 0) {
        pipeline.hincrbyfloat(appKey, `${field}:conc`, Math.round(figures.concurrency * 1000) / 1000);
      }
      if (requests > 0) {
        pipeline.hincrby(appKey, `${field}:req`, requests);
        pipeline.hincrby(this.keys.requests(minute), figures.appId, requests);
        answered = true;
      }
      figures.latency.forEach((count, bucket) => {
        if (count > 0) pipeline.hincrby(appKey, `${field}:lat${bucket}`, Math.round(count));
      });
      pipeline.pexpire(appKey, this.ttlMs);
      pipeline.eval(SET_LATER, 1, this.keys.lastActivity(figures.appId), secondEnd, this.options.retentionMs);
    }
    if (answered) pipeline.pexpire(this.keys.requests(minute), REQUEST_COUNTS_TTL_MS);
    await run(pipeline);
  }

  /** For the API: per process type, one point per `stepMs` over [from, to). */
  async series(appId: string, from: number, to: number, stepMs: number): Promise<AppMetricSeries> {
    if (!(stepMs >= 1000) || !(to > from) || (to - from) / stepMs > MAX_POINTS) {
      throw new RangeError(`metrics series: bad range [${from}, ${to}) step ${stepMs} ms`);
    }
    const minutes: number[] = [];
    for (let minute = minuteOf(epochSecond(from)); minute <= minuteOf(epochSecond(to - 1)); minute++) {
      minutes.push(minute);
    }
    const pipeline = this.redis.pipeline();
    for (const minute of minutes) pipeline.hgetall(this.keys.app(appId, minute));
    for (const minute of minutes) pipeline.hgetall(this.keys.routerSeconds(minute));
    const replies = await run<Record<string, string>>(pipeline);
    const builder = new SeriesBuilder(from, to, stepMs);
    minutes.forEach((minute, i) => {
      builder.addAppMinute({ minute, fields: replies[i] ?? {} });
      builder.addRouterCoverage(minute, replies[minutes.length + i] ?? {});
    });
    return builder.build();
  }

  /** For the autoscaler (one pipeline for many apps): windows in ms ending at `now`. */
  async observe(
    apps: ObserveTarget[],
    now: number,
    windows: ObserveWindows,
  ): Promise<Map<string /* `${appId}:${processType}` */, ObservedMetrics>> {
    const query = new ObserveQuery(this.keys, apps, now, windows);
    const pipeline = this.redis.pipeline();
    query.queue(pipeline);
    return query.read(await run<(string | null)[]>(pipeline));
  }

  /** When the app last had a request in flight or answered one (ms), or null if not within retention. */
  async lastActivity(appIds: string[]): Promise<Map<string, number | null>> {
    const activity = new Map<string, number | null>();
    if (appIds.length === 0) return activity;
    const values = await this.redis.mget(appIds.map((appId) => this.keys.lastActivity(appId)));
    appIds.forEach((appId, i) => activity.set(appId, values[i] == null ? null : Number(values[i])));
    return activity;
  }

  /** Whether any router reported within `withinMs` of now (else concurrency/rps are "no data"). */
  async routerReportedWithin(withinMs: number, now: number = Date.now()): Promise<boolean> {
    return (await this.redis.zcount(this.keys.routers(), now - withinMs, '+inf')) > 0;
  }

  /**
   * For usage: the requests per app of each minute in [fromMinute, toMinute) (epoch minutes) that
   * had any. Ask only for minutes the routers are done with. Reading takes nothing away, so the
   * reader keeps its own cursor and may read a minute again. At most MAX_REQUEST_MINUTES a call.
   */
  async requestCounts(fromMinute: number, toMinute: number): Promise<MinuteRequestCounts> {
    if (
      !Number.isSafeInteger(fromMinute) ||
      !Number.isSafeInteger(toMinute) ||
      toMinute < fromMinute ||
      toMinute - fromMinute > MAX_REQUEST_MINUTES
    ) {
      throw new RangeError(`request counts: bad minutes [${fromMinute}, ${toMinute})`);
    }
    const counts: MinuteRequestCounts = new Map();
    if (toMinute === fromMinute) return counts;
    const pipeline = this.redis.pipeline();
    for (let minute = fromMinute; minute < toMinute; minute++) pipeline.hgetall(this.keys.requests(minute));
    const replies = await run<Record<string, string>>(pipeline);
    replies.forEach((fields, i) => {
      const apps = new Map<string, number>();
      for (const [appId, count] of Object.entries(fields)) {
        if (Number(count) > 0) apps.set(appId, Number(count));
      }
      if (apps.size) counts.set(fromMinute + i, apps);
    });
    return counts;
  }
}

/** Runs a pipeline and fails on the first failed command. */
async function run<T = unknown>(pipeline: ChainableCommander): Promise<T[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value as T;
  });
}
