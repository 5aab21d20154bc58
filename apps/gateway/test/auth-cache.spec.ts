import { Redis } from 'ioredis';
import { createApiToken, createUser, testEnvironment, seedTenant } from '@nimbus/testing';
import { startReplica, startTestGateway, type TestGateway } from './support/test-gateway';

/** Two gateways on one database and one Redis, as replicas run in production. */
describe('auth cache across gateways', () => {
  let first: TestGateway;
  let second: TestGateway;
  let redis: Redis;
  let ownerToken: string;

  const status = async (gateway: TestGateway, token: string, path = '/v1/tenants/acme/audit') =>
    (await fetch(gateway.url + path, { headers: { Authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    first = await startTestGateway();
    second = await startReplica(first);
    redis = new Redis(testEnvironment().TEST_REDIS_URL);
    ({ ownerToken } = await seedTenant(first, 'acme'));
  });
  afterAll(async () => {
    await redis
      .keys(`${first.config.NIMBUS_REDIS_PREFIX}*`)
      .then((keys) => (keys.length ? redis.del(...keys) : 0));
    redis.disconnect();
    await second.close();
    await first.close();
  });

  it('should reject a token revoked through one gateway on the next request to the other', async () => {
    const created = await first.client(ownerToken).POST('/v1/tokens', { body: { name: 'replica' } });
    const token = created.data!.token;
    expect(await status(second, token, '/v1/whoami')).toBe(200);
    expect(await status(second, token, '/v1/whoami')).toBe(200);
    await first.client(ownerToken).DELETE('/v1/tokens/{id}', { params: { path: { id: created.data!.id } } });
    expect(await status(second, token, '/v1/whoami')).toBe(401);
  });

  it('should apply a demotion made through one gateway on the next request to the other', async () => {
    const member = await createUser(first.db);
    const put = (role: 'admin' | 'viewer') =>
      first.client(ownerToken).PUT('/v1/tenants/{tenant}/members/{email}', {
        params: { path: { tenant: 'acme', email: member.email } },
        body: { role },
      });
    await put('admin');
    const { token } = await createApiToken(first.db, member.id);
    expect(await status(second, token)).toBe(200);
    await put('viewer');
    expect(await status(second, token)).toBe(403);
  });

  it('should find a namespace created through the other gateway after a miss', async () => {
    expect(await status(second, ownerToken, '/v1/tenants/acme/namespaces/late')).toBe(404);
    await first.client(ownerToken).POST('/v1/tenants/{tenant}/namespaces', {
      params: { path: { tenant: 'acme' } },
      body: { name: 'late' },
    });
    expect(await status(second, ownerToken, '/v1/tenants/acme/namespaces/late')).toBe(200);
  });

  it('should not revive cached entries when Redis restarts empty', async () => {
    const created = await first.client(ownerToken).POST('/v1/tokens', { body: { name: 'restart' } });
    const token = created.data!.token;
    expect(await status(second, token, '/v1/whoami')).toBe(200);
    // Revoked behind the gateways' backs: the cached entry is still served...
    await first.db.apiToken.update({ where: { id: created.data!.id }, data: { revokedAt: new Date() } });
    expect(await status(second, token, '/v1/whoami')).toBe(200);
    // ...until the epoch changes; an empty Redis means a new epoch, never an old one.
    await redis.del(`${first.config.NIMBUS_REDIS_PREFIX}auth:epoch`);
    expect(await status(second, token, '/v1/whoami')).toBe(401);
  });
});
