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
import { UsageRecorder, USAGE_GRACE_MS, type Fenced, type RequestCounter } from './usage.recorder';

const at = (time: string) => new Date(`2026-03-01T${time}Z`);
/** A run's `now` that settles everything before `time`: it counts up to `time`. */
const after = (time: string) => new Date(at(time).getTime() + USAGE_GRACE_MS);
const INTERVAL_MS = 60_000;
const NO_REQUESTS: RequestCounter = { requestCounts: async () => new Map() };

/** A medium spec: the recorder's counting on a real, migrated database and a real Redis. */
describe(UsageRecorder.name, () => {
  let database: TestDatabase;
  let db: DbClient;
  let redis: Redis;
  let app: App;
  const logger = createLogger({ service: 'test', level: 'silent' });
  const inTransaction: Fenced = (work) => db.$transaction(work);
  const recorder = (requests: RequestCounter = NO_REQUESTS, fenced: Fenced = inTransaction) =>
    new UsageRecorder(systemScope(), requests, fenced, INTERVAL_MS, logger);

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
    owner: App = app,
  ) =>
    db.instance.create({
      data: {
        tenantId: owner.tenantId,
        namespaceId: owner.namespaceId,
        appId: owner.id,
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
    await recorder().record(after('09:59:00'));
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

    const first = await recorder().record(after('10:01:00'));

    expect(first).toMatchObject({ instances: { from: at('09:59:00'), to: at('10:01:00') } });
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
    await recorder().record(after('10:00:00'));
    await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('09:00:00') });
    const leader = recorder();

    await leader.record(after('10:00:30'));
    await leader.record(after('10:00:30'));
    await leader.record(after('10:01:00'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 60 });

    // A successor starts from the cursor its predecessor left, even with a clock behind it.
    const successor = recorder();
    expect(await successor.record(after('10:00:40'))).toMatchObject({
      instances: { rows: 0, from: at('10:01:00'), to: at('10:01:00') },
    });
    await successor.record(after('10:01:00'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 60 });
    await successor.record(after('11:00:10'));
    expect(await instanceSeconds()).toEqual({ '10:00 512/250': 3600, '11:00 512/250': 10 });
  });

  it('should start the first count at the longest-running instance, or one interval back', async () => {
    await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('09:58:00') });
    expect(await recorder().record(after('10:00:00'))).toMatchObject({ instances: { from: at('09:58:00') } });
    expect(await instanceSeconds()).toEqual({ '09:00 512/250': 120 });

    await db.usageCursor.deleteMany();
    await db.instance.updateMany({ data: { finishedAt: at('10:00:00'), phase: 'exited' } });
    expect(await recorder().record(after('11:00:00'))).toMatchObject({ instances: { from: at('10:59:00') } });
  });

  it('should count a start committed just after a run that read up to the grace before it', async () => {
    expect(await recorder().record(at('10:00:05'))).toMatchObject({ instances: { to: at('10:00:00') } });
    // The gateway wrote this start at 10:00:02 and committed it after the run at 10:00:05 read.
    await instance({ memoryMb: 1024, cpuMillis: 500 }, { startedAt: at('10:00:02') });

    await recorder().record(at('10:01:05'));

    expect(await instanceSeconds()).toEqual({ '10:00 1024/500': 58 });
  });

  it('should keep usage when its app is deleted', async () => {
    const other = await db.app.create({
      data: { tenantId: app.tenantId, namespaceId: app.namespaceId, name: 'doomed' },
    });
    await recorder().record(after('10:00:00'));
    await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('10:00:00') }, 'service', other);
    await recorder().record(after('10:00:20'));
    await db.app.delete({ where: { id: other.id } });

    expect(await db.instanceUsage.findMany()).toMatchObject([{ appName: 'doomed', instanceSeconds: 20 }]);
  });

  describe('requests', () => {
    let prefix: string;
    let store: MetricsStore;
    /** Requests the routers answered at `time` (2026-03-01), per app. */
    const served = (time: string, counts: Record<string, number>, routerId = 'router-1') =>
      store.recordRouterSeconds(
        at(time).getTime(),
        routerId,
        Object.entries(counts).map(([appId, requests]) => ({ appId, concurrency: 1, requests, latency: [] })),
      );
    /** RequestUsage per hour (`10:00`; all on 2026-03-01). */
    async function requestsByHour(): Promise<Record<string, bigint>> {
      const rows = await db.requestUsage.findMany({ orderBy: { hour: 'asc' } });
      return Object.fromEntries(rows.map((row) => [row.hour.toISOString().slice(11, 16), row.requests]));
    }
    /** Reads the counts, then lets `between` run before the transaction that adds them. */
    const thenRun = (between: () => Promise<unknown>): RequestCounter => ({
      requestCounts: async (from, to) => {
        const counts = await store.requestCounts(from, to);
        await between();
        return counts;
      },
    });

    beforeEach(() => {
      prefix = createTestRedisPrefix();
      store = new MetricsStore(redis, { prefix, retentionMs: 3_600_000 });
    });
    afterEach(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    });

    it('should add each complete minute to the hour it was served in, skipping apps that are gone', async () => {
      await served('09:58:30', { [app.id]: 9 });
      await served('09:59:30', { [app.id]: 1 });
      expect(await recorder(store).record(after('10:00:00'))).toMatchObject({
        requests: { from: at('09:59:00'), to: at('10:00:00'), count: 1 },
      });
      await served('10:59:59', { [app.id]: 5, [randomUUID()]: 7 });
      await served('10:59:59', { [app.id]: 2 }, 'router-2');
      await served('11:00:00', { [app.id]: 3 });
      await served('11:01:02', { [app.id]: 4 });

      // At 11:01:05 the minute 11:01 is still being served: it waits for the next run.
      expect(await recorder(store).record(after('11:01:00'))).toMatchObject({
        requests: { from: at('10:00:00'), to: at('11:01:00'), count: 10 },
      });
      expect(await requestsByHour()).toEqual({ '09:00': 1n, '10:00': 7n, '11:00': 3n });
      expect(await db.requestUsage.findFirstOrThrow()).toMatchObject({
        appName: 'web',
        namespaceName: 'prod',
      });
      await recorder(store).record(after('11:02:00'));
      expect(await requestsByHour()).toEqual({ '09:00': 1n, '10:00': 7n, '11:00': 7n });
    });

    it('should count each minute once while leaders take turns between their read and their write', async () => {
      const successor = recorder(store);
      await served('09:58:30', { [app.id]: 2 });
      // First runs: the successor (clock behind) starts the cursor at 09:58 after this one read from 09:59.
      const first = recorder(thenRun(() => successor.record(after('09:58:00'))));
      expect(await first.record(after('10:00:00'))).toMatchObject({
        requests: { from: at('09:58:00'), to: at('09:58:00'), count: 0 },
      });
      await successor.record(after('10:00:00'));
      await served('10:00:30', { [app.id]: 4 });
      await served('10:01:30', { [app.id]: 6 });
      await served('10:02:30', { [app.id]: 1 });

      // This one read 10:00–10:03, then the successor counted 10:00–10:02: this one adds 10:02 only.
      const second = recorder(thenRun(() => successor.record(after('10:02:00'))));
      expect(await second.record(after('10:03:00'))).toMatchObject({
        requests: { from: at('10:02:00'), to: at('10:03:00'), count: 1 },
      });
      await served('10:03:30', { [app.id]: 2 });
      await served('10:05:30', { [app.id]: 8 });

      // This one read 10:03–10:05, then the successor counted 10:03–10:06: this one adds nothing.
      const third = recorder(thenRun(() => successor.record(after('10:06:00'))));
      expect(await third.record(after('10:05:00'))).toMatchObject({
        requests: { from: at('10:06:00'), to: at('10:06:00'), count: 0 },
      });
      expect(await requestsByHour()).toEqual({ '09:00': 2n, '10:00': 21n });
    });

    it('should count requests once across a run that cannot read Redis or cannot commit', async () => {
      await instance({ memoryMb: 512, cpuMillis: 250 }, { startedAt: at('10:00:00') });
      await recorder(store).record(after('10:00:00'));
      await served('10:00:30', { [app.id]: 3 });
      const down: RequestCounter = { requestCounts: () => Promise.reject(new Error('Redis down')) };

      expect(await recorder(down).record(after('10:01:00'))).toEqual({
        instances: { from: at('10:00:00'), to: at('10:01:00'), rows: 1 },
        requests: null,
      });
      await served('10:01:30', { [app.id]: 5 });
      // Deposed between its read and its commit: the counting transaction rolls back.
      let transactions = 0;
      const deposed: Fenced = (work) =>
        db.$transaction(async (tx) => {
          const result = await work(tx);
          if (++transactions === 2) throw new Error('no longer the leader');
          return result;
        });
      await expect(recorder(store, deposed).record(after('10:02:00'))).rejects.toThrow(
        'no longer the leader',
      );
      expect(await recorder(store).record(after('10:02:00'))).toMatchObject({
        requests: { from: at('10:00:00'), to: at('10:02:00'), count: 8 },
      });

      expect(await requestsByHour()).toEqual({ '10:00': 8n });
      expect(await instanceSeconds()).toEqual({ '10:00 512/250': 120 });
    });

    it('should catch up when late, a day of minutes a run', async () => {
      const dayBefore = new Date('2026-02-28T10:00:00Z');
      await db.usageCursor.create({ data: { id: 'requests', accountedUntil: dayBefore } });
      await served('10:05:10', { [app.id]: 1 });
      await served('10:40:00', { [app.id]: 2 });
      await served('11:30:00', { [app.id]: 4 });
      await served('12:00:59', { [app.id]: 8 });
      const late = recorder(store);

      expect(await late.record(after('12:01:00'))).toMatchObject({
        requests: { from: dayBefore, to: at('10:00:00'), count: 0 },
      });
      expect(await late.record(after('12:01:00'))).toMatchObject({
        requests: { from: at('10:00:00'), to: at('12:01:00'), count: 15 },
      });
      expect(await requestsByHour()).toEqual({ '10:00': 3n, '11:00': 4n, '12:00': 8n });
    });
  });
});
