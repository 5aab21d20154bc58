import { randomBytes } from 'node:crypto';
import {
  createApiToken,
  createTestCertificateAuthority,
  createUser,
  type IssuedCertificate,
} from '@nimbus/testing';
import { tenantScope } from '@nimbus/db';
import { ROLES, roleAtLeast, type Role } from '@nimbus/domain';
import { ReleasesService } from '@nimbus/gateway';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/**
 * Every tenant-scoped endpoint × every role × own and other tenant, asserting the exact status:
 * success when the role suffices, 403 when it does not, 404 for a member of another tenant
 * (their tenant exists, ours is invisible to them), 401 without a token.
 */

const BUILD_ID = '00000000-0000-4000-8000-000000000001';

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

interface Fixture {
  gateway: TestGateway;
  tenant: { id: string; name: string };
  namespace: { id: string; name: string };
  app: string;
  members: Record<Role, { id: string; email: string }>;
}

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Builds a fresh target for one call, so a successful delete never starves the next case. */
  prepare(f: Fixture): Promise<{ path: string; body?: unknown }>;
  role: Role;
  status: number;
}

const T = (f: Fixture) => `/v1/tenants/${f.tenant.name}`;
const NS = (f: Fixture) => `${T(f)}/namespaces/${f.namespace.name}`;
const APP = (f: Fixture) => `${NS(f)}/apps/${f.app}`;
const fixed = (path: (f: Fixture) => string, body?: unknown) => async (f: Fixture) => ({
  path: path(f),
  body,
});

async function freshApp(f: Fixture): Promise<string> {
  const name = unique('app');
  await f.gateway.db.app.create({ data: { name, tenantId: f.tenant.id, namespaceId: f.namespace.id } });
  return name;
}

async function webAppId(f: Fixture): Promise<string> {
  const app = await f.gateway.db.app.findFirstOrThrow({ where: { tenantId: f.tenant.id, name: f.app } });
  return app.id;
}

/** One certificate for every upload case: each goes to a fresh app, where it is new. */
let issued: Promise<IssuedCertificate> | undefined;
async function certificateUpload(): Promise<{ certificate: string; key: string }> {
  issued ??= createTestCertificateAuthority().then(async (authority) => {
    const leaf = await authority.issue({ altNames: ['www.example.test'] });
    await authority.remove();
    return leaf;
  });
  const { chainPem, keyPem } = await issued;
  return { certificate: chainPem, key: keyPem };
}

const CASES: Record<string, Case> = {
  'GET tenant': { method: 'GET', prepare: fixed(T), role: 'viewer', status: 200 },
  'DELETE tenant': {
    method: 'DELETE',
    async prepare(f) {
      const name = unique('doomed');
      await f.gateway.db.tenant.create({
        data: {
          name,
          wrappedDataKey: new Uint8Array(60),
          masterKeyId: 'unused',
          memberships: { create: ROLES.map((role) => ({ role, userId: f.members[role].id })) },
        },
      });
      return { path: `/v1/tenants/${name}` };
    },
    role: 'owner',
    status: 200,
  },
  'GET members': { method: 'GET', prepare: fixed((f) => `${T(f)}/members`), role: 'viewer', status: 200 },
  'PUT member': {
    method: 'PUT',
    async prepare(f) {
      const user = await createUser(f.gateway.db);
      return { path: `${T(f)}/members/${user.email}`, body: { role: 'developer' } };
    },
    role: 'admin',
    status: 200,
  },
  'DELETE member': {
    method: 'DELETE',
    async prepare(f) {
      const user = await createUser(f.gateway.db);
      await f.gateway.db.membership.create({
        data: { tenantId: f.tenant.id, userId: user.id, role: 'viewer' },
      });
      return { path: `${T(f)}/members/${user.email}` };
    },
    role: 'admin',
    status: 200,
  },
  'GET audit': { method: 'GET', prepare: fixed((f) => `${T(f)}/audit`), role: 'admin', status: 200 },
  'GET usage': { method: 'GET', prepare: fixed((f) => `${T(f)}/usage`), role: 'viewer', status: 200 },
  'GET namespaces': {
    method: 'GET',
    prepare: fixed((f) => `${T(f)}/namespaces`),
    role: 'viewer',
    status: 200,
  },
  'POST namespace': {
    method: 'POST',
    prepare: async (f) => ({ path: `${T(f)}/namespaces`, body: { name: unique('ns') } }),
    role: 'admin',
    status: 201,
  },
  'GET namespace': { method: 'GET', prepare: fixed(NS), role: 'viewer', status: 200 },
  'PATCH namespace': {
    method: 'PATCH',
    prepare: fixed(NS, { maxInstances: 50 }),
    role: 'admin',
    status: 200,
  },
  'DELETE namespace': {
    method: 'DELETE',
    async prepare(f) {
      const name = unique('ns');
      await f.gateway.db.namespace.create({ data: { name, tenantId: f.tenant.id } });
      return { path: `${T(f)}/namespaces/${name}` };
    },
    role: 'admin',
    status: 200,
  },
  'GET apps': { method: 'GET', prepare: fixed((f) => `${NS(f)}/apps`), role: 'viewer', status: 200 },
  'POST app': {
    method: 'POST',
    prepare: async (f) => ({ path: `${NS(f)}/apps`, body: { name: unique('app') } }),
    role: 'developer',
    status: 201,
  },
  'GET app': { method: 'GET', prepare: fixed(APP), role: 'viewer', status: 200 },
  'GET domains': { method: 'GET', prepare: fixed((f) => `${APP(f)}/domains`), role: 'viewer', status: 200 },
  'POST domain': {
    method: 'POST',
    prepare: async (f) => ({
      path: `${APP(f)}/domains`,
      body: { hostname: `${unique('www')}.example.test` },
    }),
    role: 'developer',
    status: 201,
  },
  'DELETE domain': {
    method: 'DELETE',
    async prepare(f) {
      const hostname = `${unique('old')}.example.test`;
      await f.gateway.db.domain.create({
        data: { tenantId: f.tenant.id, appId: await webAppId(f), hostname },
      });
      return { path: `${APP(f)}/domains/${hostname}` };
    },
    role: 'developer',
    status: 200,
  },
  'GET certificates': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/certificates`),
    role: 'viewer',
    status: 200,
  },
  'POST certificate': {
    method: 'POST',
    prepare: async (f) => ({
      path: `${NS(f)}/apps/${await freshApp(f)}/certificates`,
      body: await certificateUpload(),
    }),
    role: 'developer',
    status: 201,
  },
  'DELETE certificate': {
    method: 'DELETE',
    async prepare(f) {
      const name = unique('cert');
      await f.gateway.db.certificate.create({
        data: {
          tenantId: f.tenant.id,
          appId: await webAppId(f),
          name,
          hostnames: ['www.example.test'],
          subject: 'CN=www.example.test',
          issuer: 'CN=Test CA',
          notBefore: new Date(),
          notAfter: new Date(Date.now() + 86_400_000),
          fingerprint: randomBytes(32).toString('hex'),
          chainPem: '',
          keyCiphertext: new Uint8Array(60),
        },
      });
      return { path: `${APP(f)}/certificates/${name}` };
    },
    role: 'developer',
    status: 200,
  },
  'GET https-redirect': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/https-redirect`),
    role: 'viewer',
    status: 200,
  },
  'PUT https-redirect': {
    method: 'PUT',
    prepare: fixed((f) => `${APP(f)}/https-redirect`, { enabled: false }),
    role: 'developer',
    status: 200,
  },
  'DELETE app': {
    method: 'DELETE',
    prepare: async (f) => ({ path: `${NS(f)}/apps/${await freshApp(f)}` }),
    role: 'admin',
    status: 200,
  },
  'GET tenant config': {
    method: 'GET',
    prepare: fixed((f) => `${T(f)}/config`),
    role: 'viewer',
    status: 200,
  },
  'PATCH tenant config': {
    method: 'PATCH',
    prepare: fixed((f) => `${T(f)}/config`, { set: { A: '1' } }),
    role: 'admin',
    status: 200,
  },
  'GET tenant secrets': {
    method: 'GET',
    prepare: fixed((f) => `${T(f)}/secrets`),
    role: 'viewer',
    status: 200,
  },
  'GET tenant secrets revealed': {
    method: 'GET',
    prepare: fixed((f) => `${T(f)}/secrets?reveal=true`),
    role: 'admin',
    status: 200,
  },
  'PATCH tenant secrets': {
    method: 'PATCH',
    prepare: fixed((f) => `${T(f)}/secrets`, { set: { S: 's' } }),
    role: 'admin',
    status: 200,
  },
  'GET namespace config': {
    method: 'GET',
    prepare: fixed((f) => `${NS(f)}/config`),
    role: 'viewer',
    status: 200,
  },
  'PATCH namespace config': {
    method: 'PATCH',
    prepare: fixed((f) => `${NS(f)}/config`, { set: { B: '1' } }),
    role: 'admin',
    status: 200,
  },
  'GET namespace secrets': {
    method: 'GET',
    prepare: fixed((f) => `${NS(f)}/secrets`),
    role: 'viewer',
    status: 200,
  },
  'PATCH namespace secrets': {
    method: 'PATCH',
    prepare: fixed((f) => `${NS(f)}/secrets`, { set: { NS_S: 's' } }),
    role: 'admin',
    status: 200,
  },
  'GET app config': { method: 'GET', prepare: fixed((f) => `${APP(f)}/config`), role: 'viewer', status: 200 },
  'PATCH app config': {
    method: 'PATCH',
    prepare: fixed((f) => `${APP(f)}/config`, { set: { C: '1' } }),
    role: 'developer',
    status: 200,
  },
  'GET app secrets': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/secrets`),
    role: 'viewer',
    status: 200,
  },
  'GET app secrets revealed': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/secrets?reveal=true`),
    role: 'admin',
    status: 200,
  },
  'PATCH app secrets': {
    method: 'PATCH',
    prepare: fixed((f) => `${APP(f)}/secrets`, { set: { APP_S: 's' } }),
    role: 'developer',
    status: 200,
  },
  'GET releases': { method: 'GET', prepare: fixed((f) => `${APP(f)}/releases`), role: 'viewer', status: 200 },
  'GET release': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/releases/1`),
    role: 'viewer',
    status: 200,
  },
  'POST rollback': {
    method: 'POST',
    prepare: fixed((f) => `${APP(f)}/rollback`, { version: 1 }),
    role: 'developer',
    status: 201,
  },
  'GET builds': { method: 'GET', prepare: fixed((f) => `${APP(f)}/builds`), role: 'viewer', status: 200 },
  'GET build': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/builds/${BUILD_ID}`),
    role: 'viewer',
    status: 200,
  },
  'GET build output': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/builds/${BUILD_ID}/output`),
    role: 'viewer',
    status: 200,
  },
  'GET app environment': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/environment`),
    role: 'viewer',
    status: 200,
  },
  'GET app environment revealed': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/environment?reveal=true`),
    role: 'admin',
    status: 200,
  },
  'GET app metrics': {
    method: 'GET',
    prepare: fixed((f) => `${APP(f)}/metrics?window=5m`),
    role: 'viewer',
    status: 200,
  },
};

describe('authorization matrix', () => {
  const fixture = {} as Fixture;
  const tokens = {} as Record<Role | 'other-tenant', string>;

  beforeAll(async () => {
    fixture.gateway = await startTestGateway({
      NIMBUS_RATE_LIMIT_PER_MINUTE: '100000',
      NIMBUS_ACCESS_LOG: 'false',
    });
    const db = fixture.gateway.db;
    const members = {} as Fixture['members'];
    for (const role of ROLES) {
      const user = await createUser(db, { email: `${role}@acme.test` });
      members[role] = user;
      tokens[role] = (await createApiToken(db, user.id)).token;
    }
    fixture.members = members;
    // Created through the API so the tenant has a real data key for the secret routes.
    await fixture.gateway.client(tokens.owner).POST('/v1/tenants', { body: { name: 'acme' } });
    const acme = await db.tenant.findUniqueOrThrow({ where: { name: 'acme' } });
    for (const role of ROLES.filter((r) => r !== 'owner')) {
      await db.membership.create({ data: { tenantId: acme.id, userId: members[role].id, role } });
    }
    const namespace = await db.namespace.create({ data: { name: 'prod', tenantId: acme.id } });
    const web = await db.app.create({ data: { name: 'web', tenantId: acme.id, namespaceId: namespace.id } });
    await fixture.gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(acme.id),
        web.id,
        { digest: `sha256:${'a'.repeat(64)}`, processTypes: {} },
        'Deploy',
        null,
      );
    await db.build.create({
      data: {
        id: BUILD_ID,
        tenantId: acme.id,
        appId: web.id,
        status: 'succeeded',
        commit: 'a'.repeat(40),
        ref: 'refs/heads/main',
        sourcePath: '/nonexistent.tar',
        output: '-----> Released v1\n',
      },
    });
    fixture.tenant = { id: acme.id, name: 'acme' };
    fixture.namespace = { id: namespace.id, name: 'prod' };
    fixture.app = 'web';

    // The member of another tenant owns globex, with the same namespace and app names.
    const outsider = await createUser(db, { email: 'owner@globex.test' });
    tokens['other-tenant'] = (await createApiToken(db, outsider.id)).token;
    await fixture.gateway.client(tokens['other-tenant']).POST('/v1/tenants', { body: { name: 'globex' } });
    const globex = await db.tenant.findUniqueOrThrow({ where: { name: 'globex' } });
    const globexNs = await db.namespace.create({ data: { name: 'prod', tenantId: globex.id } });
    await db.app.create({ data: { name: 'web', tenantId: globex.id, namespaceId: globexNs.id } });
  });
  afterAll(() => fixture.gateway.close());

  async function call(
    testCase: Case,
    token: string | null,
  ): Promise<{ status: number; contentType: string | null }> {
    const { path, body } = await testCase.prepare(fixture);
    const response = await fetch(fixture.gateway.url + path, {
      method: testCase.method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await response.arrayBuffer();
    return { status: response.status, contentType: response.headers.get('content-type') };
  }

  const rows = Object.entries(CASES).flatMap(([name, testCase]) =>
    ROLES.map(
      (role) => [name, role, testCase, roleAtLeast(role, testCase.role) ? testCase.status : 403] as const,
    ),
  );

  it.each(rows)('%s as %s', async (_name, role, testCase, expected) => {
    const { status, contentType } = await call(testCase, tokens[role]);
    expect(status).toBe(expected);
    if (expected >= 400) expect(contentType).toMatch(/^application\/problem\+json/);
  });

  it.each(Object.entries(CASES))('%s as a member of another tenant answers 404', async (_name, testCase) => {
    const { status, contentType } = await call(testCase, tokens['other-tenant']);
    expect(status).toBe(404);
    expect(contentType).toMatch(/^application\/problem\+json/);
  });

  it.each(Object.entries(CASES))('%s without a token answers 401', async (_name, testCase) => {
    expect((await call(testCase, null)).status).toBe(401);
  });

  it("should show an outsider their own tenant's same-named app, never ours", async () => {
    const response = await fetch(`${fixture.gateway.url}/v1/tenants/globex/namespaces/prod/apps/web`, {
      headers: { Authorization: `Bearer ${tokens['other-tenant']}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { tenant: string }).tenant).toBe('globex');
  });
});
