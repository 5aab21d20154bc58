import { createApiToken, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const HOUR_MS = 3_600_000;

describe('GET /v1/tenants/{tenant}/usage', () => {
  let gateway: TestGateway;
  let ownerToken: string;
  let outsiderToken: string;
  let prodOnlyToken: string;
  const apps: Record<string, { id: string; tenantId: string; namespaceId: string }> = {};

  const usage = (token: string, query: Record<string, string> = {}, tenant = 'acme') =>
    gateway.client(token).GET('/v1/tenants/{tenant}/usage', {
      params: { path: { tenant }, query: query as { from?: string; to?: string; granularity?: 'hour' } },
    });

  async function ran(app: string, hour: string | Date, memoryMb: number, cpuMillis: number, seconds: number) {
    const { id, tenantId, namespaceId } = apps[app] as (typeof apps)[string];
    await gateway.db.instanceUsage.create({
      data: {
        tenantId,
        namespaceId,
        appId: id,
        namespaceName: app === 'worker' ? 'staging' : 'prod',
        appName: app,
        hour: new Date(hour),
        memoryMb,
        cpuMillis,
        instanceSeconds: seconds,
      },
    });
  }

  async function answered(app: string, hour: string | Date, requests: number) {
    const { id, tenantId, namespaceId } = apps[app] as (typeof apps)[string];
    await gateway.db.requestUsage.create({
      data: {
        tenantId,
        namespaceId,
        appId: id,
        namespaceName: app === 'worker' ? 'staging' : 'prod',
        appName: app,
        hour: new Date(hour),
        requests,
      },
    });
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
    ownerToken = (await seedTenant(gateway, 'acme', { prod: ['web', 'api'], staging: ['worker'] }))
      .ownerToken;
    const seeded = await seedTenant(gateway, 'globex', { prod: ['web'] });
    outsiderToken = seeded.ownerToken;
    for (const app of await gateway.db.app.findMany({ include: { tenant: true } }))
      apps[app.tenant.name === 'acme' ? app.name : `globex-${app.name}`] = app;
    const prod = await gateway.db.namespace.findFirstOrThrow({
      where: { name: 'prod', tenant: { name: 'acme' } },
    });
    const owner = await gateway.db.membership.findFirstOrThrow({ where: { tenantId: prod.tenantId } });
    prodOnlyToken = (
      await createApiToken(gateway.db, owner.userId, { tenantId: prod.tenantId, namespaceId: prod.id })
    ).token;

    await ran('web', '2026-02-28T23:00:00Z', 512, 250, 1800);
    await ran('web', '2026-03-01T00:00:00Z', 512, 250, 3600);
    await ran('web', '2026-03-01T00:00:00Z', 1024, 500, 900.5);
    await ran('web', '2026-03-01T01:00:00Z', 512, 250, 3600);
    await answered('web', '2026-03-01T00:00:00Z', 1000);
    await answered('web', '2026-03-01T01:00:00Z', 234);
    await answered('api', '2026-03-01T00:00:00Z', 5);
    await ran('worker', '2026-03-01T00:00:00Z', 256, 100, 7200);
    await ran('globex-web', '2026-03-01T00:00:00Z', 512, 250, 99);
  });
  afterAll(() => gateway.close());

  it('should sum instance-seconds by size and requests by namespace and app, with totals', async () => {
    const { data, response } = await usage(ownerToken, { from: '2026-03-01', to: '2026-03-02' });

    expect(response.status).toBe(200);
    expect(data).toEqual({
      tenant: 'acme',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      granularity: 'total',
      totals: {
        instanceSeconds: { '256MB/100m': 7200, '512MB/250m': 7200, '1024MB/500m': 900.5 },
        instanceHours: 4.2501,
        requests: 1239,
      },
      namespaces: [
        {
          id: apps.web?.namespaceId,
          name: 'prod',
          instanceSeconds: { '512MB/250m': 7200, '1024MB/500m': 900.5 },
          instanceHours: 2.2501,
          requests: 1239,
          apps: [
            { id: apps.api?.id, name: 'api', instanceSeconds: {}, instanceHours: 0, requests: 5 },
            {
              id: apps.web?.id,
              name: 'web',
              instanceSeconds: { '512MB/250m': 7200, '1024MB/500m': 900.5 },
              instanceHours: 2.2501,
              requests: 1234,
            },
          ],
        },
        {
          id: apps.worker?.namespaceId,
          name: 'staging',
          instanceSeconds: { '256MB/100m': 7200 },
          instanceHours: 2,
          requests: 0,
          apps: [
            {
              id: apps.worker?.id,
              name: 'worker',
              instanceSeconds: { '256MB/100m': 7200 },
              instanceHours: 2,
              requests: 0,
            },
          ],
        },
      ],
    });
  });

  it('should count the hours that start in the range, from rounded down to its hour', async () => {
    const { data } = await usage(ownerToken, {
      from: '2026-02-28T23:30:00Z',
      to: '2026-03-01T01:00:00+00:00',
      granularity: 'hour',
    });

    expect(data?.from).toBe('2026-02-28T23:00:00.000Z');
    const web = data?.namespaces[0]?.apps.find((app) => app.name === 'web');
    expect(web?.hours).toEqual([
      {
        hour: '2026-02-28T23:00:00.000Z',
        instanceSeconds: { '512MB/250m': 1800 },
        instanceHours: 0.5,
        requests: 0,
      },
      {
        hour: '2026-03-01T00:00:00.000Z',
        instanceSeconds: { '512MB/250m': 3600, '1024MB/500m': 900.5 },
        instanceHours: 1.2501,
        requests: 1000,
      },
    ]);
    expect(web?.requests).toBe(1000);
  });

  it('should default to the current month so far', async () => {
    const now = Date.now();
    await ran('api', new Date(Math.floor(now / HOUR_MS) * HOUR_MS), 512, 250, 60);

    const { data } = await usage(ownerToken);

    const monthStart = new Date(now);
    monthStart.setUTCDate(1);
    monthStart.setUTCHours(0, 0, 0, 0);
    expect(data?.from).toBe(monthStart.toISOString());
    expect(data?.totals).toEqual({
      instanceSeconds: { '512MB/250m': 60 },
      instanceHours: 0.0167,
      requests: 0,
    });
  });

  it('should refuse a range that is empty, reversed, too long or not a time, as problem+json', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2026-03-02', to: '2026-03-01' }, 'to'],
      [{ from: '2026-03-01T10:00:00Z', to: '2026-03-01T10:00:00Z' }, 'to'],
      [{ from: '2025-01-01', to: '2026-01-03' }, 'to'],
      [{ from: '2026-01-01', to: '2026-02-02', granularity: 'hour' }, 'to'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-03-01T10:00:00' }, 'to'],
      [{ granularity: 'minute' }, 'granularity'],
    ];
    for (const [query, field] of cases) {
      const { response, error } = await usage(ownerToken, query);
      expect({ query, status: response.status, type: response.headers.get('content-type') }).toEqual({
        query,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      // Schema errors name the field `body.…` whatever the request part (the ProblemFilter's doing).
      expect(error?.errors?.map((problem) => problem.field.split('.')[1])).toContain(field);
    }
    expect((await usage(ownerToken, { from: '2025-01-01', to: '2026-01-02' })).response.status).toBe(200);
  });

  it("should never show another tenant's usage", async () => {
    expect((await usage(outsiderToken)).response.status).toBe(404);
    const { data } = await usage(outsiderToken, { from: '2026-03-01', to: '2026-03-02' }, 'globex');
    expect(data?.totals).toEqual({
      instanceSeconds: { '512MB/250m': 99 },
      instanceHours: 0.0275,
      requests: 0,
    });
    expect(data?.namespaces.flatMap((ns) => ns.apps.map((app) => app.id))).toEqual([apps['globex-web']?.id]);
  });

  it('should show a token limited to one namespace only that namespace', async () => {
    const { data } = await usage(prodOnlyToken, { from: '2026-03-01', to: '2026-03-02' });

    expect(data?.namespaces.map((ns) => ns.name)).toEqual(['prod']);
    expect(data?.totals.requests).toBe(1239);
  });

  it('should keep the usage of a deleted app', async () => {
    const doomed = await gateway.db.app.create({
      data: {
        tenantId: apps.web?.tenantId as string,
        namespaceId: apps.web?.namespaceId as string,
        name: 'doomed',
      },
    });
    apps.doomed = doomed;
    await answered('doomed', '2026-03-05T00:00:00Z', 42);
    await gateway.db.app.delete({ where: { id: doomed.id } });

    const { data } = await usage(ownerToken, { from: '2026-03-05', to: '2026-03-06' });

    expect(data?.namespaces[0]?.apps).toMatchObject([{ id: doomed.id, name: 'doomed', requests: 42 }]);
  });
});
