import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken, seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/** What a browser would hold after signing in: the cookie pair, and the CSRF token the page got. */
interface BrowserSession {
  cookie: string;
  csrfToken: string;
}

describe('console sessions', () => {
  let gateway: TestGateway;
  let consoleDir: string;
  let owner: { id: string; email: string; password: string };
  let ownerToken: string;

  const signIn = async (email: string, password: string) =>
    fetch(`${gateway.url}/v1/auth/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  const browserSession = async (email = owner.email, password = owner.password): Promise<BrowserSession> => {
    const response = await signIn(email, password);
    expect(response.status).toBe(201);
    const [cookie] = response.headers.getSetCookie();
    const body = (await response.json()) as { csrfToken: string };
    return { cookie: cookie!.split(';')[0]!, csrfToken: body.csrfToken };
  };

  const withSession = (
    session: BrowserSession,
    path: string,
    init: RequestInit & { csrf?: string | null } = {},
  ) => {
    const { csrf = session.csrfToken, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('Cookie', session.cookie);
    if (csrf !== null) headers.set('X-CSRF-Token', csrf);
    if (rest.body) headers.set('Content-Type', 'application/json');
    return fetch(gateway.url + path, { ...rest, headers });
  };

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'nimbus-console-'));
    await mkdir(join(consoleDir, 'assets'));
    await writeFile(join(consoleDir, 'index.html'), '<!doctype html><title>Nimbus</title>');
    await writeFile(join(consoleDir, 'assets', 'index-abc123.js'), 'console.log(1);\n'.repeat(500));
    gateway = await startTestGateway({ NIMBUS_CONSOLE_DIR: consoleDir, NIMBUS_TRUST_PROXY: 'loopback' });
    ({ owner, ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web'] }));
  });
  afterAll(async () => {
    await gateway.close();
    await rm(consoleDir, { recursive: true, force: true });
  });

  it('should keep the session token in an HttpOnly, SameSite=Strict cookie for the API only', async () => {
    const response = await signIn(owner.email, owner.password);
    expect(response.status).toBe(201);
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0]!.split(/;\s*/);
    expect(attributes[0]).toMatch(/^nimbus_session=nmb_/);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/v1']));
    // Served over plain HTTP here, so not Secure (a Secure cookie would never come back).
    expect(attributes).not.toContain('Secure');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['csrfToken', 'expiresAt']);
    expect(JSON.stringify(body)).not.toContain(attributes[0]!.split('=')[1]!);
  });

  it('should mark the cookie Secure when the console is reached over HTTPS', async () => {
    // Through a TLS-terminating proxy on loopback, which the gateway is told to trust.
    const response = await fetch(`${gateway.url}/v1/auth/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-Proto': 'https' },
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()[0]!.split(/;\s*/)).toContain('Secure');
  });

  it('should authenticate reads by the cookie and tell the page its CSRF token again', async () => {
    const session = await browserSession();
    const whoami = await withSession(session, '/v1/whoami', { csrf: null });
    expect(whoami.status).toBe(200);
    expect(((await whoami.json()) as { user: { email: string } }).user.email).toBe(owner.email);
    const current = await withSession(session, '/v1/auth/session', { csrf: null });
    expect(current.status).toBe(200);
    expect(((await current.json()) as { csrfToken: string }).csrfToken).toBe(session.csrfToken);
  });

  it('should refuse a cookie-authenticated write without the right CSRF token, changing nothing', async () => {
    const session = await browserSession();
    const create = (csrf: string | null) =>
      withSession(session, '/v1/tenants', { method: 'POST', body: JSON.stringify({ name: 'forged' }), csrf });
    for (const csrf of [null, 'x'.repeat(43), session.csrfToken.slice(0, -1)]) {
      const refused = await create(csrf);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await refused.json()) as { code: string }).code).toBe('auth/csrf');
    }
    expect(await gateway.db.tenant.findFirst({ where: { name: 'forged' } })).toBeNull();
    expect((await create(session.csrfToken)).status).toBe(201);
  });

  it("should not take another session's CSRF token", async () => {
    const mine = await browserSession();
    const other = await browserSession();
    const response = await withSession(mine, '/v1/tenants', {
      method: 'POST',
      body: JSON.stringify({ name: 'crossed' }),
      csrf: other.csrfToken,
    });
    expect(response.status).toBe(403);
  });

  it('should let an explicit Authorization header win over the cookie', async () => {
    const session = await browserSession();
    const response = await withSession(session, '/v1/whoami', {
      csrf: null,
      headers: { Authorization: 'Bearer nmb_' + 'A'.repeat(43) },
    });
    expect(response.status).toBe(401);
    // A bearer token needs no CSRF token: no browser sends it by itself.
    const bearer = await fetch(`${gateway.url}/v1/tenants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ownerToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'by-bearer' }),
    });
    expect(bearer.status).toBe(201);
  });

  it('should accept only session tokens in the cookie', async () => {
    const { token } = await createApiToken(gateway.db, owner.id);
    const response = await fetch(`${gateway.url}/v1/whoami`, {
      headers: { Cookie: `nimbus_session=${token}` },
    });
    expect(response.status).toBe(401);
  });

  it('should end the session on the server when signing out', async () => {
    const session = await browserSession();
    const signedOut = await withSession(session, '/v1/auth/session', { method: 'DELETE' });
    expect(signedOut.status).toBe(204);
    const cleared = signedOut.headers.getSetCookie()[0]!;
    expect(cleared).toMatch(/^nimbus_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    // The cookie still held by a copy of the browser is refused too: the session itself ended.
    expect((await withSession(session, '/v1/whoami', { csrf: null })).status).toBe(401);
    const audit = await gateway.db.auditEntry.findFirst({
      where: { action: 'session.end', actorUserId: owner.id },
    });
    expect(audit).not.toBeNull();
  });

  it('should not sign out without the CSRF token (a forged sign-out changes nothing)', async () => {
    const session = await browserSession();
    expect((await withSession(session, '/v1/auth/session', { method: 'DELETE', csrf: null })).status).toBe(
      403,
    );
    expect((await withSession(session, '/v1/whoami', { csrf: null })).status).toBe(200);
  });

  it('should refuse a wrong password without setting a cookie', async () => {
    const response = await signIn(owner.email, 'not the password');
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('should say that a bearer-token caller has no console session', async () => {
    const response = await fetch(`${gateway.url}/v1/auth/session`, {
      headers: { Authorization: `Bearer ${ownerToken}` },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('session/not_found');
  });

  describe('the console files', () => {
    it('should serve index.html for every console path, never cached, under a strict CSP', async () => {
      for (const path of ['/console/', '/console/t/acme/prod/apps/web/logs']) {
        const response = await fetch(gateway.url + path);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('<title>Nimbus</title>');
        expect(response.headers.get('cache-control')).toBe('no-cache');
        expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
      const bare = await fetch(`${gateway.url}/console`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('/console/');
    });

    it('should cache hashed assets for a year and not invent missing ones', async () => {
      const asset = await fetch(`${gateway.url}/console/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      const zipped = await fetch(`${gateway.url}/console/assets/index-abc123.js`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect((await fetch(`${gateway.url}/console/assets/index-gone.js`)).status).toBe(404);
    });
  });
});
