import { createApiToken, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('custom domains', () => {
  let gateway: TestGateway;
  let acme: string;
  let acmeOwnerId: string;
  let rival: string;

  const domainsOf = (tenant: string, app: string) =>
    `/v1/tenants/${tenant}/namespaces/prod/apps/${app}/domains`;
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(gateway.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };
  const add = (token: string, tenant: string, app: string, hostname: string) =>
    call(token, 'POST', domainsOf(tenant, app), { hostname });

  beforeAll(async () => {
    gateway = await startTestGateway();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web', 'api'] });
    ({ ownerToken: acme } = seeded);
    acmeOwnerId = seeded.owner.id;
    ({ ownerToken: rival } = await seedTenant(gateway, 'rival', { prod: ['shop'] }));
  });
  afterAll(() => gateway.close());

  it('should add, list and remove an app’s domains, and record who did', async () => {
    const added = await add(acme, 'acme', 'web', 'WWW.Acme-Example.test.');
    expect(added.status).toBe(201);
    expect(JSON.parse(added.text)).toMatchObject({ hostname: 'www.acme-example.test' });
    const listed = await call(acme, 'GET', domainsOf('acme', 'web'));
    expect(JSON.parse(listed.text).map((d: { hostname: string }) => d.hostname)).toEqual([
      'www.acme-example.test',
    ]);
    const removed = await call(acme, 'DELETE', `${domainsOf('acme', 'web')}/www.acme-example.test`);
    expect(removed.status).toBe(200);
    expect(JSON.parse((await call(acme, 'GET', domainsOf('acme', 'web'))).text)).toEqual([]);
    expect((await call(acme, 'DELETE', `${domainsOf('acme', 'web')}/www.acme-example.test`)).status).toBe(
      404,
    );
    const audit = await gateway.db.auditEntry.findMany({
      where: { action: { in: ['domain.add', 'domain.remove'] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((entry) => entry.action)).toEqual(['domain.add', 'domain.remove']);
  });

  it('should refuse names that are no host name, or the platform’s own, changing nothing', async () => {
    const before = await gateway.db.domain.count();
    for (const hostname of ['not a name', '*.*.example.test', 'web.prod.acme.localhost', '10.1.2.3']) {
      const refused = await add(acme, 'acme', 'web', hostname);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).errors[0].field).toBe('body.hostname');
    }
    expect(await gateway.db.domain.count()).toBe(before);
  });

  it("should tell a tenant its own duplicate, naming nothing of another app's beyond that", async () => {
    expect((await add(acme, 'acme', 'web', 'dup.acme-example.test')).status).toBe(201);
    const again = await add(acme, 'acme', 'web', 'dup.acme-example.test');
    expect(again.status).toBe(409);
    expect(JSON.parse(again.text).code).toBe('domain/exists');
    const elsewhere = await add(acme, 'acme', 'api', 'dup.acme-example.test');
    expect(elsewhere.status).toBe(409);
    expect(JSON.parse(elsewhere.text).code).toBe('domain/exists');
  });

  it("should refuse another tenant's name, and names that would shadow it, revealing nothing", async () => {
    expect((await add(acme, 'acme', 'web', 'www.taken.test')).status).toBe(201);
    expect((await add(acme, 'acme', 'web', '*.wild.test')).status).toBe(201);
    const unavailable = (response: { status: number; text: string }, hostname: string) => {
      expect(response.status).toBe(409);
      const problem = JSON.parse(response.text);
      expect(problem.code).toBe('domain/unavailable');
      expect(problem.detail).toBe(`${hostname} cannot be added: it is not available`);
      expect(response.text).not.toMatch(/acme|web/);
    };
    // The same name, a wildcard over it, a name under the other's wildcard, the wildcard itself.
    unavailable(await add(rival, 'rival', 'shop', 'www.taken.test'), 'www.taken.test');
    unavailable(await add(rival, 'rival', 'shop', '*.taken.test'), '*.taken.test');
    unavailable(await add(rival, 'rival', 'shop', 'shop.wild.test'), 'shop.wild.test');
    unavailable(await add(rival, 'rival', 'shop', '*.wild.test'), '*.wild.test');
    // What the wildcard does not cover is free: the parent, and names two levels down.
    expect((await add(rival, 'rival', 'shop', 'wild.test')).status).toBe(201);
    expect((await add(rival, 'rival', 'shop', 'a.b.wild.test')).status).toBe(201);
    expect((await add(rival, 'rival', 'shop', 'taken.test')).status).toBe(201);
    // Within one tenant a name may sit under its own wildcard (the exact name wins at the router).
    expect((await add(acme, 'acme', 'api', 'api.wild.test')).status).toBe(201);
  });

  it("should keep a tenant out of another tenant's apps' domains", async () => {
    expect((await call(rival, 'GET', domainsOf('acme', 'web'))).status).toBe(404);
    expect((await call(rival, 'DELETE', `${domainsOf('acme', 'web')}/www.taken.test`)).status).toBe(404);
    expect((await add(rival, 'acme', 'web', 'sneaky.test')).status).toBe(404);
    // Its own app cannot remove the other's name either.
    expect((await call(rival, 'DELETE', `${domainsOf('rival', 'shop')}/www.taken.test`)).status).toBe(404);
    expect(await gateway.db.domain.count({ where: { hostname: 'www.taken.test' } })).toBe(1);
  });

  it('should let viewers read and developers change', async () => {
    const tenant = await gateway.db.tenant.findFirstOrThrow({ where: { name: 'acme' } });
    const viewer = (await createApiToken(gateway.db, acmeOwnerId, { tenantId: tenant.id, role: 'viewer' }))
      .token;
    expect((await call(viewer, 'GET', domainsOf('acme', 'web'))).status).toBe(200);
    expect((await add(viewer, 'acme', 'web', 'viewer.acme-example.test')).status).toBe(403);
  });
});
