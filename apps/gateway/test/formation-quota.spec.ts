import { tenantScope } from '@nimbus/db';
import { ReleasesService } from '@nimbus/gateway';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('scaling within a namespace quota', () => {
  let gateway: TestGateway;
  let token: string;
  const path = { tenant: 'acme', namespace: 'prod', app: 'web' };
  const scale = (replicas: number, memoryMb?: number) =>
    gateway.client(token).PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path },
      body: { updates: [{ type: 'web', replicas, ...(memoryMb ? { memoryMb } : {}) }] },
    });

  beforeAll(async () => {
    gateway = await startTestGateway();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web'] });
    token = seeded.ownerToken;
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } });
    await gateway.db.namespace.update({
      where: { id: app.namespaceId },
      data: { maxInstances: 2, maxMemoryMb: 1024 },
    });
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: `sha256:${'1'.repeat(64)}`, processTypes: { web: 'node server.js' } },
        'Deploy 1111111',
        seeded.owner.id,
      );
  });
  afterAll(() => gateway.close());

  it('should refuse a formation over the quota, naming each limit, and change nothing', async () => {
    const refused = await scale(3, 512);
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({
      detail: 'namespace prod would need 3 instances (quota 2) and 1536 MB of memory (quota 1024 MB)',
    });
    expect(await gateway.db.formation.count({ where: { replicas: 3 } })).toBe(0);
    expect((await scale(2, 512)).response.status).toBe(200);
  });
});
