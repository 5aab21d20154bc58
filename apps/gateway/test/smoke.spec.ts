import { createUser } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('gateway smoke', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  it('should log in, create a tenant, namespace, app and config', async () => {
    const user = await createUser(gateway.db);
    const login = await gateway
      .client()
      .POST('/v1/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.response.status).toBe(201);
    const api = gateway.client(login.data!.token);
    const tenant = await api.POST('/v1/tenants', { body: { name: 'acme' } });
    expect(tenant.response.status).toBe(201);
    const ns = await api.POST('/v1/tenants/{tenant}/namespaces', {
      params: { path: { tenant: 'acme' } },
      body: { name: 'prod' },
    });
    expect(ns.response.status).toBe(201);
    const app = await api.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
      params: { path: { tenant: 'acme', namespace: 'prod' } },
      body: { name: 'web' },
    });
    expect(app.response.status).toBe(201);
    const path = { tenant: 'acme', namespace: 'prod', app: 'web' };
    const config = await api.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path },
      body: { set: { LOG_LEVEL: 'debug' } },
    });
    expect(config.response.status).toBe(200);
    const secrets = await api.PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/secrets', {
      params: { path },
      body: { set: { DB_PASSWORD: 'hunter2-very-secret' } },
    });
    expect(secrets.response.status).toBe(200);
    const env = await api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/environment', {
      params: { path },
    });
    expect(env.data).toMatchObject({ app: 'web', configVersion: 2 });
    const revealed = await api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/environment', {
      params: { path, query: { reveal: 'true' } },
    });
    expect(revealed.data!.entries.find((e) => e.key === 'DB_PASSWORD')?.value).toBe('hunter2-very-secret');
    expect(env.data!.entries.find((e) => e.key === 'DB_PASSWORD')?.value).toBeNull();
  });
});
