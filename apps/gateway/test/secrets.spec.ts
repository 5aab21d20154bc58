import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MasterKeyring, parseMasterKey } from '@nimbus/crypto';
import { createApiToken, createUser, seedTenant } from '@nimbus/testing';
import { rotateMasterKey } from '../src/admin/rotate-master-key';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const SECRET = `s3cr3t-${randomBytes(12).toString('hex')}`;

describe('secrets', () => {
  let gateway: TestGateway;
  let owner: string;
  let developer: string;
  const responses: string[] = [];

  async function api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(gateway.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    responses.push(text);
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
    ({ ownerToken: owner } = await seedTenant(gateway, 'acme', { prod: ['web'] }));
    const devUser = await createUser(gateway.db);
    await api(owner, 'PUT', `/v1/tenants/acme/members/${devUser.email}`, { role: 'developer' });
    developer = (await createApiToken(gateway.db, devUser.id)).token;

    // The same value at every scope, through every write path, plus requests that fail.
    await api(owner, 'PATCH', '/v1/tenants/acme/secrets', { set: { TENANT_SECRET: SECRET } });
    await api(owner, 'PATCH', '/v1/tenants/acme/namespaces/prod/secrets', { set: { NS_SECRET: SECRET } });
    await api(developer, 'PATCH', '/v1/tenants/acme/namespaces/prod/apps/web/secrets', {
      set: { APP_SECRET: SECRET },
    });
    await api(developer, 'PATCH', '/v1/tenants/acme/namespaces/prod/apps/web/secrets', {
      set: { 'bad-key': SECRET },
    });
    await api(developer, 'PATCH', '/v1/tenants/acme/namespaces/prod/apps/web/secrets', {
      set: { OK: SECRET },
      extra: SECRET,
    });
    await api(developer, 'PATCH', '/v1/tenants/acme/secrets', { set: { X: SECRET } });
  });
  afterAll(() => gateway.close());

  it('should store no secret value in plain text anywhere in the database', () => {
    const dump = execFileSync('pg_dump', ['--data-only', '--inserts', gateway.database.url], {
      maxBuffer: 64 << 20,
    }).toString();
    expect(dump).toContain('APP_SECRET');
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(Buffer.from(SECRET).toString('hex'));
    expect(dump).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('should mask secrets in every response unless an admin reveals them', async () => {
    const reads = [
      await api(developer, 'GET', '/v1/tenants/acme/secrets'),
      await api(developer, 'GET', '/v1/tenants/acme/namespaces/prod/secrets'),
      await api(developer, 'GET', '/v1/tenants/acme/namespaces/prod/apps/web/secrets'),
      await api(developer, 'GET', '/v1/tenants/acme/namespaces/prod/apps/web/environment'),
      await api(owner, 'GET', '/v1/tenants/acme/audit'),
      await api(developer, 'GET', '/v1/tenants/acme/namespaces/prod/apps/web/config'),
    ];
    for (const read of reads) expect(read.status).toBe(200);
    expect(JSON.stringify(reads)).not.toContain(SECRET);

    const env = reads[3]!.json as {
      entries: { key: string; value: string | null; scope: string; secret: boolean }[];
    };
    expect(env.entries.map(({ key, scope, value, secret }) => ({ key, scope, value, secret }))).toEqual([
      { key: 'APP_SECRET', scope: 'app', value: null, secret: true },
      { key: 'NS_SECRET', scope: 'namespace', value: null, secret: true },
      { key: 'TENANT_SECRET', scope: 'tenant', value: null, secret: true },
    ]);
    expect(
      (await api(developer, 'GET', '/v1/tenants/acme/namespaces/prod/apps/web/environment?reveal=true'))
        .status,
    ).toBe(403);
    const reveals = () => gateway.db.auditEntry.findMany({ where: { action: 'secrets.reveal' } });
    expect(await reveals()).toEqual([]);

    const revealed = await api(
      owner,
      'GET',
      '/v1/tenants/acme/namespaces/prod/apps/web/environment?reveal=true',
    );
    expect((revealed.json as { entries: { value: string }[] }).entries.map((e) => e.value)).toEqual([
      SECRET,
      SECRET,
      SECRET,
    ]);
    // Who saw which secrets is on record (their names, never their values).
    const [record, ...more] = await reveals();
    expect(more).toEqual([]);
    expect(record).toMatchObject({ targetType: 'app', targetName: 'web' });
    expect((record!.details as { keys: string[] }).keys.sort()).toEqual([
      'APP_SECRET',
      'NS_SECRET',
      'TENANT_SECRET',
    ]);
    expect(JSON.stringify(record!.details)).not.toContain(SECRET);
  });

  it('should never write a secret value to the logs', () => {
    const logs = gateway.logs();
    expect(logs).toContain('"path":"/v1/tenants/acme/namespaces/prod/apps/web/secrets"');
    expect(logs).not.toContain(SECRET);
  });

  it('should not echo secret values in error responses', () => {
    const failures = responses.filter((text) => text.includes('"status":4'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    for (const failure of failures) expect(failure).not.toContain(SECRET);
  });

  it('should refuse a key that is a config var at the same scope, changing nothing', async () => {
    await api(owner, 'PATCH', '/v1/tenants/acme/namespaces/prod/apps/web/config', { set: { MODE: 'plain' } });
    const clash = await api(owner, 'PATCH', '/v1/tenants/acme/namespaces/prod/apps/web/secrets', {
      set: { MODE: SECRET },
    });
    expect(clash.status).toBe(409);
    expect((clash.json as { detail: string }).detail).toBe(
      'MODE is a config var at this scope; unset it there first',
    );
    const config = await api(owner, 'GET', '/v1/tenants/acme/namespaces/prod/apps/web/config');
    expect((config.json as { entries: { key: string; value: string }[] }).entries).toMatchObject([
      { key: 'MODE', value: 'plain' },
    ]);
  });

  it('should keep secrets readable while the master key rotates under a running gateway', async () => {
    const oldKey = gateway.config.NIMBUS_MASTER_KEY;
    const newKey = parseMasterKey(randomBytes(32).toString('base64'));
    // A second gateway on the same database runs with the new key and the old one as previous.
    const rotated = await startTestGateway({
      NIMBUS_MASTER_KEY: newKey.toString('base64'),
      NIMBUS_MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
      DATABASE_URL: gateway.database.url,
    });
    try {
      const read = async (url: string) => {
        const response = await fetch(`${url}/v1/tenants/acme/namespaces/prod/apps/web/secrets?reveal=true`, {
          headers: { Authorization: `Bearer ${owner}` },
        });
        return ((await response.json()) as { entries: { value: string }[] }).entries[0]?.value;
      };
      expect(await read(rotated.url)).toBe(SECRET);
      const result = await rotateMasterKey(gateway.db, new MasterKeyring(newKey, [oldKey]));
      expect(result).toEqual({ rewrapped: 1, current: 1 });
      expect(await read(rotated.url)).toBe(SECRET);
      const stored = await gateway.db.tenant.findUniqueOrThrow({ where: { name: 'acme' } });
      expect(stored.masterKeyId).toBe(new MasterKeyring(newKey).currentKeyId);
      expect(await rotateMasterKey(gateway.db, new MasterKeyring(newKey, [oldKey]))).toEqual({
        rewrapped: 0,
        current: 1,
      });
    } finally {
      await rotated.close();
    }
  });
});
