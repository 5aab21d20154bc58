import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('config vars', () => {
  let gateway: TestGateway;
  let token: string;

  async function patch(path: string, body: unknown) {
    const response = await fetch(gateway.url + path, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as { configVersion: number } };
  }
  const get = async <T>(path: string) =>
    (await (await fetch(gateway.url + path, { headers: { Authorization: `Bearer ${token}` } })).json()) as T;
  const appVersion = async (name: string) =>
    (await get<{ configVersion: number }>(`/v1/tenants/acme/namespaces/prod/apps/${name}`)).configVersion;

  beforeAll(async () => {
    gateway = await startTestGateway();
    ({ ownerToken: token } = await seedTenant(gateway, 'acme', { prod: ['web', 'api'], staging: ['web'] }));
  });
  afterAll(() => gateway.close());

  it('should merge tenant < namespace < app and say where each value comes from', async () => {
    await patch('/v1/tenants/acme/config', { set: { LOG_LEVEL: 'warn', REGION: 'eu' } });
    await patch('/v1/tenants/acme/namespaces/prod/config', { set: { LOG_LEVEL: 'info', DEBUG: '0' } });
    await patch('/v1/tenants/acme/namespaces/prod/apps/web/config', { set: { LOG_LEVEL: 'debug' } });
    const env = await get<{ entries: { key: string; value: string; scope: string; overrides: string[] }[] }>(
      '/v1/tenants/acme/namespaces/prod/apps/web/environment',
    );
    expect(env.entries.map(({ key, value, scope, overrides }) => ({ key, value, scope, overrides }))).toEqual(
      [
        { key: 'DEBUG', value: '0', scope: 'namespace', overrides: [] },
        { key: 'LOG_LEVEL', value: 'debug', scope: 'app', overrides: ['namespace', 'tenant'] },
        { key: 'REGION', value: 'eu', scope: 'tenant', overrides: [] },
      ],
    );
    const staging = await get<{ entries: { key: string; value: string }[] }>(
      '/v1/tenants/acme/namespaces/staging/apps/web/environment',
    );
    expect(staging.entries.map((e) => `${e.key}=${e.value}`)).toEqual(['LOG_LEVEL=warn', 'REGION=eu']);
  });

  it('should move the config version of exactly the apps a change reaches', async () => {
    const before = { web: await appVersion('web'), api: await appVersion('api') };
    const appChange = await patch('/v1/tenants/acme/namespaces/prod/apps/web/config', {
      set: { FEATURE: 'on' },
    });
    expect(appChange.json.configVersion).toBe(before.web + 1);
    expect(await appVersion('api')).toBe(before.api);

    await patch('/v1/tenants/acme/namespaces/prod/secrets', { set: { TOKEN: 'x' } });
    expect(await appVersion('web')).toBe(before.web + 2);
    expect(await appVersion('api')).toBe(before.api + 1);

    const stagingBefore = (
      await get<{ configVersion: number }>('/v1/tenants/acme/namespaces/staging/apps/web')
    ).configVersion;
    await patch('/v1/tenants/acme/config', { unset: ['REGION'] });
    expect(await appVersion('api')).toBe(before.api + 2);
    expect(
      (await get<{ configVersion: number }>('/v1/tenants/acme/namespaces/staging/apps/web')).configVersion,
    ).toBe(stagingBefore + 1);
  });

  it('should not move any version when unsetting keys that do not exist', async () => {
    const before = await appVersion('web');
    const result = await patch('/v1/tenants/acme/namespaces/prod/apps/web/config', { unset: ['NEVER_SET'] });
    expect(result.status).toBe(200);
    expect(result.json.configVersion).toBe(before);
  });

  it('should audit who changed which keys, without values', async () => {
    const audit = await get<
      { action: string; targetName: string; details: Record<string, unknown>; actor: string }[]
    >('/v1/tenants/acme/audit?limit=50');
    const secrets = audit.find((entry) => entry.action === 'secrets.update');
    expect(secrets).toMatchObject({ targetName: 'prod', details: { set: ['TOKEN'], unset: [] } });
    expect(secrets?.actor).toMatch(/@example\.test$/);
    expect(JSON.stringify(audit)).not.toContain('"x"');
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['tenant.create', 'namespace.create', 'app.create', 'config.update']),
    );
  });

  it('should keep the last owner of a tenant', async () => {
    const owner = await gateway.db.user.findFirstOrThrow();
    const response = await fetch(`${gateway.url}/v1/tenants/acme/members/${owner.email}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe('tenant/last_owner');
  });

  it('should refuse to delete a namespace that still has apps', async () => {
    const response = await fetch(`${gateway.url}/v1/tenants/acme/namespaces/staging`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(409);
    expect(await gateway.db.namespace.count({ where: { name: 'staging' } })).toBe(1);
  });
});
