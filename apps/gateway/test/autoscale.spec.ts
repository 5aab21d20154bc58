import { AutoscalerRepository, tenantScope, type App } from '@nimbus/db';
import { ReleasesService } from '@nimbus/gateway';
import { createApiToken, createUser, seedTenant } from '@nimbus/testing';
import { OrchestratorWakes } from './support/orchestrator-wakes';
import { startTestGateway, type TestGateway } from './support/test-gateway';

type SetBody = Record<string, unknown>;

/** The autoscale API on a real gateway, database and Redis: `autoscale:set`, `autoscale`, `:off`. */
describe('AutoscaleController', () => {
  let gateway: TestGateway;
  let owner: string;
  let viewer: string;
  let stranger: string;
  let app: App;
  let wakes: OrchestratorWakes;
  const path = { tenant: 'acme', namespace: 'prod', app: 'shop' };
  const base = `/v1/tenants/acme/namespaces/prod/apps/shop`;

  /** Raw calls, so invalid bodies reach the API as a client could send them. */
  async function call(method: string, url: string, token = owner, body?: unknown) {
    const response = await fetch(`${gateway.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const set = (type: string, body: SetBody, token = owner) =>
    call('PUT', `${base}/autoscale/${type}`, token, body);
  const off = (type: string, token = owner) => call('DELETE', `${base}/autoscale/${type}`, token);
  const scale = (updates: { type: string; replicas?: number; memoryMb?: number }[]) =>
    gateway.client(owner).PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path },
      body: { updates },
    });
  const formation = async (type: string) =>
    (await gateway.db.formation.findFirstOrThrow({ where: { appId: app.id, processType: type } })).replicas;
  const autoscalers = () => gateway.db.autoscaler.count({ where: { appId: app.id } });

  beforeAll(async () => {
    gateway = await startTestGateway();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['shop'] });
    owner = seeded.ownerToken;
    stranger = (await seedTenant(gateway, 'globex', { prod: ['shop'] })).ownerToken;
    app = await gateway.db.app.findFirstOrThrow({ where: { name: 'shop', tenant: { name: 'acme' } } });
    const watcher = await createUser(gateway.db);
    await gateway.db.membership.create({
      data: { tenantId: app.tenantId, userId: watcher.id, role: 'viewer' },
    });
    viewer = (await createApiToken(gateway.db, watcher.id)).token;
    await gateway.db.namespace.update({ where: { id: app.namespaceId }, data: { maxInstances: 20 } });
    await gateway.app.get(ReleasesService).deploy(
      tenantScope(app.tenantId),
      app.id,
      {
        digest: `sha256:${'1'.repeat(64)}`,
        processTypes: { web: 'node server.js', worker: 'node worker.js', clock: 'node clock.js' },
      },
      'Deploy 1111111',
      seeded.owner.id,
    );
    expect(
      (
        await scale([
          { type: 'web', replicas: 2 },
          { type: 'worker', replicas: 0 },
        ])
      ).response.status,
    ).toBe(200);
    wakes = await OrchestratorWakes.of(gateway);
  });
  afterAll(async () => {
    wakes.close();
    await gateway.close();
  });

  it('should autoscale web to zero on concurrency 100 by default, keep its replicas, and wake the orchestrator', async () => {
    wakes.clear();
    const response = await set('web', { min: 0, max: 10, idleTimeout: '45s' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      type: 'web',
      min: 0,
      max: 10,
      cpu: null,
      concurrency: 100,
      rps: null,
      idleTimeoutMs: 45_000,
      behavior: {},
      replicas: 2,
      ready: 0,
      state: 'scaled',
      scaledToZeroAt: null,
    });
    expect(await formation('web')).toBe(2);
    await wakes.forApp(app.id);
    const events = await gateway.db.event.findMany({ where: { appId: app.id, reason: 'AutoscalerSet' } });
    expect(events.map((event) => event.message)).toContain('web autoscaled 0–10 on concurrency 100');
    expect(
      await gateway.db.auditEntry.count({ where: { action: 'autoscale.set', targetName: 'prod/shop' } }),
    ).toBeGreaterThan(0);
  });

  it('should default to cpu 80%, keep given behavior and bring replicas into the bounds', async () => {
    const behavior = {
      scaleDown: {
        stabilizationWindowSeconds: 60,
        policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }],
      },
      scaleUp: { selectPolicy: 'Min' },
    };
    const response = await set('worker', { min: 1, max: 3, behavior });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ cpu: 80, concurrency: null, replicas: 1, behavior });
    expect(await formation('worker')).toBe(1);
  });

  it('should list the autoscaled types with their replicas and state', async () => {
    const response = await call('GET', `${base}/autoscale`, viewer);

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      expect.objectContaining({ type: 'web', replicas: 2, state: 'scaled' }),
      expect.objectContaining({ type: 'worker', replicas: 1, state: 'scaled' }),
    ]);
  });

  it.each<[string, string, SetBody, number, string]>([
    ['min above max', 'web', { min: 4, max: 2 }, 400, 'min 4 is above max 2'],
    ['max 0', 'web', { min: 0, max: 0 }, 400, 'body.max'],
    ['negative min', 'web', { min: -1, max: 2 }, 400, 'body.min'],
    ['min 0 on worker', 'worker', { min: 0, max: 2 }, 400, 'use min 1 for worker'],
    ['max over quota', 'web', { min: 1, max: 21 }, 422, "namespace prod's quota of 20 instances"],
    ['concurrency on worker', 'worker', { min: 1, max: 2, concurrency: 5 }, 400, 'scale worker on cpu'],
    ['rps on worker', 'worker', { min: 1, max: 2, rps: 5 }, 400, 'rps is measured on requests'],
    [
      'idle timeout without zero',
      'web',
      { min: 1, max: 2, idleTimeout: '10s' },
      400,
      'it needs min 0, not 1',
    ],
    ['type without formation', 'clock', { min: 1, max: 2 }, 404, 'its types: web, worker'],
    ['cpu 0', 'web', { min: 1, max: 2, cpu: 0 }, 400, 'body.cpu'],
    ['cpu 1001', 'web', { min: 1, max: 2, cpu: 1001 }, 400, 'body.cpu'],
    ['concurrency 0', 'web', { min: 1, max: 2, concurrency: 0 }, 400, 'body.concurrency'],
    ['negative rps', 'web', { min: 1, max: 2, rps: -5 }, 400, 'body.rps'],
    ['bad idle timeout', 'web', { min: 0, max: 2, idleTimeout: 'soon' }, 400, 'body.idleTimeout'],
    [
      'window over an hour',
      'web',
      { min: 1, max: 2, behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } },
      400,
      'body.behavior.scaleDown.stabilizationWindowSeconds',
    ],
    [
      'policy period 0',
      'web',
      { min: 1, max: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 0 }] } } },
      400,
      'periodSeconds',
    ],
    [
      'policy value 0',
      'web',
      {
        min: 1,
        max: 2,
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } },
      },
      400,
      'value',
    ],
    [
      'unknown select policy',
      'web',
      { min: 1, max: 2, behavior: { scaleUp: { selectPolicy: 'Sometimes' } } },
      400,
      'selectPolicy',
    ],
    ['unknown field', 'web', { min: 1, max: 2, memory: 5 }, 400, 'unknown field(s): memory'],
  ])('should refuse %s with a problem and change nothing', async (_case, type, body, status, detail) => {
    const before = await gateway.db.autoscaler.findMany({ where: { appId: app.id }, orderBy: { id: 'asc' } });

    const response = await set(type, body);

    expect(response.status).toBe(status);
    expect(String(response.body.detail)).toContain(detail);
    expect(
      await gateway.db.autoscaler.findMany({ where: { appId: app.id }, orderBy: { id: 'asc' } }),
    ).toEqual(before);
  });

  it('should refuse ps:scale of an autoscaled type, naming autoscale:off, but allow a new size', async () => {
    const refused = await scale([{ type: 'web', replicas: 5 }]);

    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({
      code: 'formation/autoscaled',
      detail:
        'web is autoscaled (0–10 instances): `nimbus autoscale:off -a shop web` first, or change its bounds with autoscale:set',
    });
    expect(await formation('web')).toBe(2);
    expect((await scale([{ type: 'web', memoryMb: 512 }])).response.status).toBe(200);
  });

  it('should show bounds and idleness in ps, and keep an idle type idle while zero is allowed', async () => {
    const web = await gateway.db.autoscaler.findFirstOrThrow({
      where: { appId: app.id, processType: 'web' },
    });
    await gateway.db.formation.updateMany({
      where: { appId: app.id, processType: 'web' },
      data: { replicas: 0 },
    });
    await new AutoscalerRepository(gateway.db).markScaledToZero(
      tenantScope(app.tenantId),
      web.id,
      new Date('2026-01-01T00:00:00Z'),
    );

    const ps = await gateway.client(owner).GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', {
      params: { path },
    });
    expect(ps.data?.formation.find((entry) => entry.type === 'web')).toMatchObject({
      replicas: 0,
      autoscale: { min: 0, max: 10 },
      scaledToZeroAt: '2026-01-01T00:00:00.000Z',
    });
    expect(ps.data?.formation.find((entry) => entry.type === 'clock')).toBeUndefined();

    const kept = await set('web', { min: 0, max: 8 });
    expect(kept.body).toMatchObject({ state: 'idle', replicas: 0, max: 8 });
    expect(await formation('web')).toBe(0);

    const woken = await set('web', { min: 2, max: 8 });
    expect(woken.body).toMatchObject({ state: 'scaled', replicas: 2, scaledToZeroAt: null });
    expect(await formation('web')).toBe(2);
  });

  it('should give an idle type one instance back when autoscaling is turned off', async () => {
    await set('web', { min: 0, max: 8 });
    const web = await gateway.db.autoscaler.findFirstOrThrow({
      where: { appId: app.id, processType: 'web' },
    });
    await gateway.db.formation.updateMany({
      where: { appId: app.id, processType: 'web' },
      data: { replicas: 0 },
    });
    await new AutoscalerRepository(gateway.db).markScaledToZero(
      tenantScope(app.tenantId),
      web.id,
      new Date(),
    );

    const response = await off('web');

    expect(response).toEqual({ status: 200, body: { type: 'web', replicas: 1 } });
    expect(await formation('web')).toBe(1);
    expect(await gateway.db.event.count({ where: { appId: app.id, reason: 'AutoscalerRemoved' } })).toBe(1);
    expect((await off('web')).status).toBe(404);
  });

  it('should leave the replicas of a scaled type as they are when autoscaling is turned off', async () => {
    await gateway.db.formation.updateMany({
      where: { appId: app.id, processType: 'worker' },
      data: { replicas: 3 },
    });

    expect(await off('worker')).toEqual({ status: 200, body: { type: 'worker', replicas: 3 } });
    expect(await formation('worker')).toBe(3);
    expect((await scale([{ type: 'worker', replicas: 2 }])).response.status).toBe(200);
  });

  it('should let a viewer read but not change autoscalers', async () => {
    expect((await call('GET', `${base}/autoscale`, viewer)).status).toBe(200);
    expect((await set('web', { min: 1, max: 2 }, viewer)).status).toBe(403);
    expect((await off('web', viewer)).status).toBe(403);
  });

  it("should not show or change another tenant's autoscalers", async () => {
    await set('web', { min: 1, max: 4 });
    const count = await autoscalers();

    expect((await call('GET', `${base}/autoscale`, stranger)).status).toBe(404);
    expect((await set('web', { min: 1, max: 2 }, stranger)).status).toBe(404);
    expect((await off('web', stranger)).status).toBe(404);
    expect(await autoscalers()).toBe(count);
    const theirs = await call('GET', '/v1/tenants/globex/namespaces/prod/apps/shop/autoscale', stranger);
    expect(theirs).toEqual({ status: 200, body: [] });
  });
});
