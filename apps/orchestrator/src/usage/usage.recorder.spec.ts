import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrismaClient, systemScope, type App, type DbClient } from '@nimbus/db';
import { createLogger } from '@nimbus/logging';
import { MetricsStore } from '@nimbus/metrics';
import {
  createTestDatabase,
  createTestRedisPrefix,
  testEnvironment,
  type TestDatabase,
} from '@nimbus/testing';
import { hourOf, UsageRecorder, type RequestCounter } from './usage.recorder';

const at = (time: string) => new Date(`2026-03-01T${time}Z`);
const INTERVAL_MS = 60_000;
const NO_REQUESTS: RequestCounter = {
  takeRequestCounts: async () => new Map(),
  settleRequestCounts: async () => undefined,
};

/** A medium spec: the recorder's counting on a real, migrated database and a real Redis. */
describe(UsageRecorder.name, () => {
  let database: TestDatabase;
  let db: DbClient;
  let redis: Redis;
  let app: App;
  const logger = createLogger({ service: 'test', level: 'silent' });
  const recorder = (requests: RequestCounter = NO_REQUESTS) =>
    new UsageRecorder(systemScope(), requests, (work) => db.$transaction(work), INTERVAL_MS, logger);

  /** Instance-seconds per `hour size` (`09:00 512/250`), rounded to the millisecond. */
  async function instanceSeconds(): Promise<Record<string, number>> {
    const rows = await db.instanceUsage.findMany({ orderBy: [{ hour: 'asc' }, { memoryMb: 'asc' }] });
    return Object.fromEntries(
      rows.map((row) => [
        `${row.hour.toISOString().slice(11, 16)} ${row.memoryMb}/${row.cpuMillis}`,
        Math.round(row.instanceSeconds * 1000) / 1000,
      ]),
    );
  }

  const instance = (
    size: { memoryMb: number; cpuMillis: number },
    span: { startedAt?: Date; finishedAt?: Date },
    kind: 'service' | 'oneoff' = 'service',
  ) =>
    db.instance.create({
      data: {
        tenantId: app.tenantId,
        namespaceId: app.namespaceId,
        appId: app.id,
        processType: kind === 'service' ? 'web' : 'run',
        kind,
        releaseVersion: 1,
        phase: span.finishedAt ? 'exited' : span.startedAt ? 'running' : 'pending',
        ...size,
        ...span,
      },
    });

  beforeAll(async () => {
    const environment = testEnvironment();
    database = await createTestDatabase(environment.TEST_DATABASE_URL);
    db = createPrismaClient(database.url, { poolSize: 4 });
    redis = new Redis(environment.TEST_REDIS_URL);
    const tenant = await db.tenant.create({
      data: { name: 'acme', wrappedDataKey: new Uint8Array(60), masterKeyId: 'unused' },
    });
    const namespace = await db.namespace.create({ data: { tenantId: tenant.id, name: 'prod' } });
    app = await db.app.create({ data: { tenantId: tenant.id, namespaceId: namespace.id, name: 'web' } });
  });
  beforeEach(async () => {
    await db.instance.deleteMany();
    await db.instanceUsage.deleteMany();
    await db.requestUsage.deleteMany();
    await db.usageCursor.deleteMany();
  });
  afterAll(async () => {
    redis.disconnect();
    await db.$disconnect();
    await database.drop();
  });

  it('should count running time exactly, split at the hour and by size, never pending time', async () => {
    await recorder().record(at('09:59:00'));
    await instance(
      { memoryMb: 512, cpuMillis: 250 },
      { startedAt: at('09:59:30'), finishedAt: at('10:00:45.5') },
    );
    await instance({ memoryMb: 1024, cpuMillis: 500 }, { startedAt: at('10:00:00') });
    await instance({ memoryMb: 256, cpuMillis: 100 }, {}, 'oneoff');
    await instance(
      { memoryMb: 256, cpuMillis: 100 },
      { startedAt: at('10:00:50'), finishedAt: at('10:00:52') },
      'oneoff',
    );

    const first = await recorder().record(at('10:01:00'));

    expect(first).toMatchObject({ from: at('09:59:00'), to: at('10:01:00') });
    expect(await instanceSeconds()).toEqual({
      '09:00 512/250': 30,
      '10:00 256/100': 2,
      '10:00 512/250': 45.5,
      '10:00 1024/500': 60,
    });
    const row = await db.instanceUsage.findFirstOrThrow();
    expect(row).toMatchObject({ tenantId: app.tenantId, appName: 'web', namespaceName: 'prod' });
  });

  it('should never count a span twice, however often and by whichever leader it runs', async () => {
    await recorder().record(at('10:00:00'));
    await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('09:00:00') });
    const leader = recorder();

    await leader.record(at('10:00:30'));
    await leader.record(at('10:00:30'));
    await leader.record(at('10:01:00'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 60 });

    // A successor starts from the cursor its predecessor left, even with a clock behind it.
    const successor = recorder();
    expect(await successor.record(at('10:00:40'))).toMatchObject({ instanceRows: 0, to: at('10:01:00') });
    await successor.record(at('10:01:00'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 60 });
    await successor.record(at('11:00:10'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 3600, '11:00 512/250': 10 });
  });

  it('should start the first count at the longest-running instance, or one interval back', async () => {
    await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('09:58:00') });
    expect(await recorder().record(at('10:00:00'))).toMatchObject({ from: at('09:58:00') });
    expect(await instanceSeconds()).toEqual({ '09:00 512/250': 120 });

    await db.usageCursor.deleteMany();
    await db.instance.updateMany({ data: { finishedAt: at('10:00:00'), phase: 'exited' } });
    expect(await recorder().record(at('11:00:00'))).toMatchObject({ from: at('10:59:00') });
  });

  it('should keep usage when its app is deleted', async () => {
    const other = await db.app.create({
      data: { tenantId: app.tenantId, namespaceId: app.namespaceId, name: 'doomed' },
    });
    await recorder().record(at('10:00:00'));
    await db.instance.create({
      data: {
        tenantId: other.tenantId,
        namespaceId: other.namespaceId,
        appId: other.id,
        processType: 'web',
        releaseVersion: 1,
        memoryMb: 512,
        cpuMillis: 250,
        phase: 'running',
        startedAt: at('10:00:00'),
      },
    });
    await recorder().record(at('10:00:20'));
    await db.app.delete({ where: { id: other.id } });

    expect(await db.instanceUsage.findMany()).toMatchObject([{ appName: 'doomed', instanceSeconds: 20 }]);
  });

  describe('requests', () => {
    let store: MetricsStore;
    const routerSecond = (appId: string, requests: number) => ({
      appId,
      concurrency: 1,
      requests,
      latency: [],
    });

    beforeAll(() => {
      store = new MetricsStore(redis, { prefix: createTestRedisPrefix(), retentionMs: 3_600_000 });
    });

    it('should add what the routers counted to the current hour, skipping apps that are gone', async () => {
      const now = at('10:59:59');
      await store.recordRouterSeconds(Date.now(), 'router-1', [routerSecond(app.id, 5)]);
      await store.recordRouterSeconds(Date.now(), 'router-2', [
        routerSecond(app.id, 2),
        routerSecond(randomUUID(), 7),
      ]);

      expect(await recorder(store).record(now)).toMatchObject({ requests: 7 });

      const rows = await db.requestUsage.findMany();
      expect(rows).toMatchObject([{ appId: app.id, hour: hourOf(now), requests: 7n, appName: 'web' }]);
      // Settled, the unknown app's included: nothing is counted again.
      expect((await store.takeRequestCounts()).size).toBe(0);
    });

    it('should keep requests counted between the take and the settle for the next run', async () => {
      await store.recordRouterSeconds(Date.now(), 'router-1', [routerSecond(app.id, 3)]);
      const racing: RequestCounter = {
        takeRequestCounts: async () => {
          const taken = await store.takeRequestCounts();
          await store.recordRouterSeconds(Date.now(), 'router-1', [routerSecond(app.id, 4)]);
          return taken;
        },
        settleRequestCounts: (taken) => store.settleRequestCounts(taken),
      };

      await recorder(racing).record(at('10:00:00'));
      expect(await db.requestUsage.findFirstOrThrow()).toMatchObject({ requests: 3n });
      await recorder(store).record(at('11:00:00'));

      expect(
        (await db.requestUsage.findMany({ orderBy: { hour: 'asc' } })).map((row) => row.requests),
      ).toEqual([3n, 4n]);
    });

    it('should leave the counts to the next run when the transaction fails', async () => {
      await store.recordRouterSeconds(Date.now(), 'router-1', [routerSecond(app.id, 6)]);
      const failing = new UsageRecorder(
        systemScope(),
        store,
        () => Promise.reject(new Error('no longer the leader')),
        INTERVAL_MS,
        logger,
      );

      await expect(failing.record(at('10:00:00'))).rejects.toThrow('no longer the leader');
      await recorder(store).record(at('10:00:00'));

      expect(await db.requestUsage.findFirstOrThrow()).toMatchObject({ requests: 6n });
    });
  });
});
