import { createApiToken, createUser, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

describe('tokens', () => {
  let gateway: TestGateway;
  let ownerToken: string;

  const status = async (token: string, path = '/v1/whoami') =>
    (await fetch(gateway.url + path, { headers: { Authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    gateway = await startTestGateway();
    ({ ownerToken } = await seedTenant(gateway, 'acme', { prod: [], staging: [] }));
  });
  afterAll(() => gateway.close());

  it('should show a created token once and store only its hash', async () => {
    const created = await gateway
      .client(ownerToken)
      .POST('/v1/tokens', { body: { name: 'ci', expiresIn: '30d' } });
    expect(created.response.status).toBe(201);
    const token = created.data!.token;
    expect(token).toMatch(/^nmb_/);
    expect(created.data!.prefix).toBe(token.slice(0, 10));
    const row = await gateway.db.apiToken.findUniqueOrThrow({ where: { id: created.data!.id } });
    expect(Buffer.from(row.tokenHash).toString()).not.toContain(token);
    const listed = await gateway.client(ownerToken).GET('/v1/tokens');
    expect(JSON.stringify(listed.data)).not.toContain(token);
    expect(await status(token)).toBe(200);
  });

  it('should reject a revoked token on the very next request', async () => {
    const created = await gateway.client(ownerToken).POST('/v1/tokens', { body: { name: 'short-lived' } });
    const token = created.data!.token;
    expect(await status(token)).toBe(200);
    const revoked = await gateway
      .client(ownerToken)
      .DELETE('/v1/tokens/{id}', { params: { path: { id: created.data!.id } } });
    expect(revoked.data!.revokedAt).not.toBeNull();
    const response = await fetch(`${gateway.url}/v1/whoami`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="nimbus"');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('should reject a token the moment it expires', async () => {
    const owner = await gateway.db.user.findFirstOrThrow();
    const { token } = await createApiToken(gateway.db, owner.id, { expiresAt: new Date(Date.now() + 800) });
    expect(await status(token)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await status(token)).toBe(401);
  });

  it('should reject unknown and malformed tokens', async () => {
    expect(await status('nmb_' + 'A'.repeat(43))).toBe(401);
    expect(await status('not-a-token')).toBe(401);
  });

  it('should not let a token mint a stronger one', async () => {
    const viewerToken = await gateway.client(ownerToken).POST('/v1/tokens', {
      body: { name: 'viewer', tenant: 'acme', role: 'viewer' },
    });
    const asViewer = gateway.client(viewerToken.data!.token);
    const escalate = await asViewer.POST('/v1/tokens', {
      body: { name: 'x', tenant: 'acme', role: 'admin' },
    });
    expect(escalate.response.status).toBe(403);
    const unscoped = await asViewer.POST('/v1/tokens', { body: { name: 'x' } });
    expect(unscoped.response.status).toBe(403);
    const same = await asViewer.POST('/v1/tokens', { body: { name: 'x', tenant: 'acme' } });
    expect(same.response.status).toBe(201);
    expect(same.data!.role).toBe('viewer');
    expect((await asViewer.POST('/v1/tenants', { body: { name: 'sneaky' } })).response.status).toBe(403);
  });

  it('should confine a namespace token to its namespace', async () => {
    const created = await gateway.client(ownerToken).POST('/v1/tokens', {
      body: { name: 'deployer', tenant: 'acme', namespace: 'prod', role: 'developer' },
    });
    const token = created.data!.token;
    expect(await status(token, '/v1/tenants/acme/namespaces/prod/apps')).toBe(200);
    expect(await status(token, '/v1/tenants/acme/namespaces/staging/apps')).toBe(404);
    expect(await status(token, '/v1/tenants/acme/config')).toBe(403);
    const namespaces = await gateway
      .client(token)
      .GET('/v1/tenants/{tenant}/namespaces', { params: { path: { tenant: 'acme' } } });
    expect(namespaces.data!.map((ns) => ns.name)).toEqual(['prod']);
  });

  it('should let a namespace token mint tokens for its own namespace only', async () => {
    const created = await gateway.client(ownerToken).POST('/v1/tokens', {
      body: { name: 'deployer', tenant: 'acme', namespace: 'prod', role: 'developer' },
    });
    const asDeployer = gateway.client(created.data!.token);
    const mint = (namespace?: string) =>
      asDeployer.POST('/v1/tokens', {
        body: { name: 'ci', tenant: 'acme', ...(namespace ? { namespace } : {}) },
      });
    const own = await mint('prod');
    expect(own.response.status).toBe(201);
    expect(own.data).toMatchObject({ tenant: 'acme', namespace: 'prod', role: 'developer' });
    expect((await mint('staging')).response.status).toBe(404);
    expect((await mint()).response.status).toBe(403);
  });

  it('should cap a token by its member role when the member is demoted', async () => {
    const member = await createUser(gateway.db);
    const api = gateway.client(ownerToken);
    await api.PUT('/v1/tenants/{tenant}/members/{email}', {
      params: { path: { tenant: 'acme', email: member.email } },
      body: { role: 'admin' },
    });
    const { token } = await createApiToken(gateway.db, member.id);
    expect(await status(token, '/v1/tenants/acme/audit')).toBe(200);
    await api.PUT('/v1/tenants/{tenant}/members/{email}', {
      params: { path: { tenant: 'acme', email: member.email } },
      body: { role: 'viewer' },
    });
    expect(await status(token, '/v1/tenants/acme/audit')).toBe(403);
  });

  it('should issue a session token for a correct password only', async () => {
    const user = await createUser(gateway.db, { password: 'a long enough password' });
    const wrong = await gateway
      .client()
      .POST('/v1/auth/login', { body: { email: user.email, password: 'nope' } });
    expect(wrong.response.status).toBe(401);
    const unknown = await gateway
      .client()
      .POST('/v1/auth/login', { body: { email: 'nobody@example.test', password: 'nope' } });
    expect(unknown.response.status).toBe(401);
    const ok = await gateway.client().POST('/v1/auth/login', {
      body: { email: user.email.toUpperCase(), password: 'a long enough password' },
    });
    expect(ok.response.status).toBe(201);
    const ttl = new Date(ok.data!.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(11 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3_600_000);
    const whoami = await gateway.client(ok.data!.token).GET('/v1/whoami');
    expect(whoami.data!.token.kind).toBe('session');
    const audit = await gateway.db.auditEntry.findFirstOrThrow({
      where: { action: 'session.create', actorUserId: user.id },
    });
    expect(audit.targetName).toBe(ok.data!.token.slice(0, 10));
  });

  it('should record when a token was last used', async () => {
    const created = await gateway.client(ownerToken).POST('/v1/tokens', { body: { name: 'used' } });
    expect(created.data!.lastUsedAt).toBeNull();
    await status(created.data!.token);
    // Last-used is written after the response, off the request's path.
    let lastUsedAt: Date | null = null;
    for (let attempt = 0; attempt < 50 && !lastUsedAt; attempt++) {
      lastUsedAt = (await gateway.db.apiToken.findUniqueOrThrow({ where: { id: created.data!.id } }))
        .lastUsedAt;
      if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it('should let only platform administrators create users', async () => {
    const body = { email: 'new@example.test', password: 'twelve chars!' };
    expect((await gateway.client(ownerToken).POST('/v1/users', { body })).response.status).toBe(403);
    const admin = await createUser(gateway.db, { platformAdmin: true });
    const { token } = await createApiToken(gateway.db, admin.id);
    expect((await gateway.client(token).POST('/v1/users', { body })).response.status).toBe(201);
    expect((await gateway.client(token).POST('/v1/users', { body })).response.status).toBe(409);
  });
});
