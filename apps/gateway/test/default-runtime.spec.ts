import { containerSupport } from '@nimbus/sandbox';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('the runtime of an app created without one', () => {
  const gateways: TestGateway[] = [];
  afterAll(() => Promise.all(gateways.map((gateway) => gateway.close())));

  /** Creates app `name` on a gateway configured with `env`, with or without a runtime. */
  async function create(env: Record<string, string>, runtime?: 'oci' | 'process') {
    const gateway = await startTestGateway(env);
    gateways.push(gateway);
    const { ownerToken } = await seedTenant(gateway, 'acme', { prod: [] });
    const created = await gateway
      .client(ownerToken)
      .POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
        params: { path: { tenant: 'acme', namespace: 'prod' } },
        body: { name: 'web', ...(runtime ? { runtime } : {}) },
      });
    expect(created.response.status).toBe(201);
    return created.data!.runtime;
  }

  it('should be isolated (oci) wherever runc runs, unless the platform says otherwise', async () => {
    const runc = (await containerSupport()).available;
    expect(await create({})).toBe(runc ? 'oci' : 'process');
    expect(await create({ NIMBUS_DEFAULT_RUNTIME: 'process' })).toBe('process');
    expect(await create({ NIMBUS_DEFAULT_RUNTIME: 'process' }, 'oci')).toBe('oci');
  });
});
