import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { encodeAppEndpoints, endpointsKey, publishWake } from '@nimbus/cluster';
import { createLogger } from '@nimbus/logging';
import { MetricsStore } from '@nimbus/metrics';
import { createTestRedisPrefix, testEnvironment } from '@nimbus/testing';
import { routerConfigSchema } from '../src/router.config';
import { startRouter, type RunningRouter } from '../src/router';

const APP_ID = 'app-telemetry';
const HOST = 'slow.prod.acme.localhost';
const HANDLER_MS = 200;
const CONCURRENCY = 8;

function get(routerUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(routerUrl, { agent: false, headers: { host: HOST } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end();
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('router telemetry', () => {
  const { TEST_REDIS_URL } = testEnvironment();
  const prefix = createTestRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const store = new MetricsStore(redis, { prefix, retentionMs: 600_000 });
  let upstream: Server;
  let router: RunningRouter;

  beforeAll(async () => {
    await redis.connect();
    // An app whose handler sleeps: concurrency without CPU.
    upstream = createServer((_request, response) => {
      setTimeout(() => response.end('ok'), HANDLER_MS);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const port = (upstream.address() as AddressInfo).port;
    const entry = {
      appId: APP_ID,
      activatable: false,
      endpoints: [{ instanceId: 'i-1', host: '127.0.0.1', port }],
    };
    await redis.hset(endpointsKey(prefix), HOST, encodeAppEndpoints(entry));
    await publishWake(redis, prefix, { to: 'routers', host: HOST });
    const config = routerConfigSchema.parse({
      REDIS_URL: TEST_REDIS_URL,
      // The Node router's own behaviour; HAProxy's part is in edge.spec.ts.
      NIMBUS_EDGE: 'node',
      NIMBUS_REDIS_PREFIX: prefix,
      NIMBUS_ROUTER_PORT: '0',
      NIMBUS_ROUTER_ADMIN_PORT: '0',
      NIMBUS_ACCESS_LOG: 'false',
      NIMBUS_METRICS_RETENTION: '10m',
      LOG_LEVEL: 'warn',
    });
    router = await startRouter(config, createLogger({ service: 'router', level: 'warn' }));
  });

  afterAll(async () => {
    await router?.close();
    upstream?.closeAllConnections();
    upstream?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('should report requests, concurrency and latency per app to the metrics store', async () => {
    const from = Math.floor(Date.now() / 1000) * 1000;
    let sent = 0;
    const until = Date.now() + 2_500;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) {
          expect(await get(router.url)).toBe(200);
          sent += 1;
        }
      }),
    );

    // Each second is reported just after it ends.
    let web;
    for (let tries = 0; ; tries++) {
      const series = await store.series(APP_ID, from, Math.ceil(Date.now() / 1000) * 1000, 1000);
      web = series.processTypes.find((p) => p.processType === 'web');
      const reported = web?.rps.reduce((sum, point) => sum + (point.value ?? 0), 0) ?? 0;
      if (reported === sent) break;
      if (tries > 40) throw new Error(`the store has ${reported} of ${sent} requests`);
      await sleep(100);
    }

    // Each request was in flight at least HANDLER_MS, and never more than CONCURRENCY at once.
    const concurrency = web!.concurrency.map((point) => point.value ?? 0);
    const requestSeconds = concurrency.reduce((sum, value) => sum + value, 0);
    expect(requestSeconds).toBeGreaterThanOrEqual((sent * HANDLER_MS * 0.99) / 1000);
    expect(Math.max(...concurrency)).toBeLessThanOrEqual(CONCURRENCY + 0.01);
    expect(Math.max(...concurrency)).toBeGreaterThan(1);
    const p50 = web!.latencyP50Ms.find((point) => point.value !== null)?.value;
    expect(p50).toBeGreaterThanOrEqual(HANDLER_MS);
    // Loose above: a busy machine (tests run in parallel) adds its own delay.
    expect(p50).toBeLessThanOrEqual(5_000);
    const minute = Math.floor(Date.now() / 60_000);
    let counted = 0;
    for (const apps of (await store.requestCounts(minute - 5, minute + 1)).values())
      counted += apps.get(APP_ID) ?? 0;
    expect(counted).toBe(sent);
    expect(await store.routerReportedWithin(3_000)).toBe(true);

    const observed = await store.observe(
      [{ appId: APP_ID, processType: 'web', instanceIds: [] }],
      Date.now(),
      { cpuMs: 1000, stableMs: 60_000, panicMs: 6_000 },
    );
    expect(observed.get(`${APP_ID}:web`)?.concurrencyStable).toBeGreaterThan(1);
    expect(observed.get(`${APP_ID}:web`)?.rpsStable).toBeGreaterThan(0);

    const scrape = await (await fetch(`${router.adminUrl}/metrics`)).text();
    const count =
      /nimbus_router_request_duration_seconds_count\{[^}]*host="slow\.prod\.acme\.localhost"[^}]*\} (\d+)/.exec(
        scrape,
      );
    expect(Number(count?.[1])).toBe(sent);
  });
});
