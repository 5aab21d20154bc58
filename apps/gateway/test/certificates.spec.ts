import { X509Certificate, createPrivateKey } from 'node:crypto';
import { MasterKeyring, TenantKeyring } from '@nimbus/crypto';
import {
  createApiToken,
  createTestCertificateAuthority,
  seedTenant,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from '@nimbus/testing';
import { OrchestratorWakes } from './support/orchestrator-wakes';
import { startTestGateway, type TestGateway } from './support/test-gateway';

interface Response {
  status: number;
  text: string;
}

/** What a response body must never hold: any private key, or the key's own base64. */
function expectNoKey(text: string, certificate: IssuedCertificate): void {
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(certificate.keyPem.split('\n')[1]);
  expect(text).not.toContain('BEGIN CERTIFICATE');
}

const fingerprintOf = (certificate: IssuedCertificate) =>
  new X509Certificate(certificate.certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();

// Certificates are made with the openssl CLI, a few processes each.
jest.setTimeout(60_000);

describe('CertificatesController', () => {
  let gateway: TestGateway;
  let authority: TestCertificateAuthority;
  let acme: string;
  let acmeOwnerId: string;
  let rival: string;
  let wakes: OrchestratorWakes;

  const appPath = (tenant: string, app: string) => `/v1/tenants/${tenant}/namespaces/prod/apps/${app}`;
  const certificatesOf = (tenant: string, app: string) => `${appPath(tenant, app)}/certificates`;
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(gateway.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };
  const add = (token: string, tenant: string, app: string, certificate: string, key: string) =>
    call(token, 'POST', certificatesOf(tenant, app), { certificate, key });
  const addIssued = (app: string, issued: IssuedCertificate) =>
    add(acme, 'acme', app, issued.chainPem, issued.keyPem);
  const listed = async (token: string, tenant: string, app: string) => {
    const response = await call(token, 'GET', certificatesOf(tenant, app));
    expect(response.status).toBe(200);
    return JSON.parse(response.text) as { name: string; serves: string[]; hostnames: string[] }[];
  };
  const idOfApp = async (name: string) => (await gateway.db.app.findFirstOrThrow({ where: { name } })).id;

  beforeAll(async () => {
    // A platform domain of its own, so the platform host is the configured one, not a default.
    gateway = await startTestGateway({ NIMBUS_DOMAIN: 'apps.nimbus.test' });
    authority = await createTestCertificateAuthority();
    const seeded = await seedTenant(gateway, 'acme', { prod: ['web', 'api', 'late'] });
    ({ ownerToken: acme } = seeded);
    acmeOwnerId = seeded.owner.id;
    ({ ownerToken: rival } = await seedTenant(gateway, 'rival', { prod: ['shop'] }));
    wakes = await OrchestratorWakes.of(gateway);
  });
  afterAll(async () => {
    wakes.close();
    await gateway.close();
    await authority.remove();
  });

  it('should add, list and remove certificates, serving the app hosts they cover', async () => {
    const web = await idOfApp('web');
    expect(
      (await call(acme, 'POST', `${appPath('acme', 'web')}/domains`, { hostname: 'www.example.test' }))
        .status,
    ).toBe(201);
    const wildcard = await authority.issue({ commonName: 'example.test', altNames: ['*.example.test'] });
    const platform = await authority.issue({
      altNames: ['web.prod.acme.apps.nimbus.test', 'elsewhere.test'],
    });

    wakes.clear();
    const first = await addIssued('web', wildcard);
    expect(first.status).toBe(201);
    expectNoKey(first.text, wildcard);
    const fingerprint = fingerprintOf(wildcard);
    expect(JSON.parse(first.text)).toEqual({
      name: `cert-${fingerprint.slice(0, 8)}`,
      hostnames: ['*.example.test'],
      subject: 'O=Nimbus tests, CN=example.test',
      issuer: 'O=Nimbus tests, CN=Nimbus Test CA',
      notBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      notAfter: new Date(new X509Certificate(wildcard.certificatePem).validTo).toISOString(),
      fingerprint,
      createdAt: expect.any(String),
      serves: ['www.example.test'],
    });
    await wakes.forApp(web);
    const second = await addIssued('web', platform);
    expect(second.status).toBe(201);
    expect(JSON.parse(second.text).serves).toEqual(['web.prod.acme.apps.nimbus.test']);

    const all = await listed(acme, 'acme', 'web');
    expect(all.map((certificate) => certificate.name)).toEqual([
      `cert-${fingerprint.slice(0, 8)}`,
      `cert-${fingerprintOf(platform).slice(0, 8)}`,
    ]);
    expectNoKey(JSON.stringify(all), wildcard);

    wakes.clear();
    const removed = await call(
      acme,
      'DELETE',
      `${certificatesOf('acme', 'web')}/cert-${fingerprint.slice(0, 8)}`,
    );
    expect(removed.status).toBe(200);
    expect(JSON.parse(removed.text)).toMatchObject({ fingerprint, serves: [] });
    await wakes.forApp(web);
    expect((await listed(acme, 'acme', 'web')).map((certificate) => certificate.hostnames)).toEqual([
      ['web.prod.acme.apps.nimbus.test', 'elsewhere.test'],
    ]);
    const again = await call(
      acme,
      'DELETE',
      `${certificatesOf('acme', 'web')}/cert-${fingerprint.slice(0, 8)}`,
    );
    expect(again.status).toBe(404);
    expect(JSON.parse(again.text)).toMatchObject({
      code: 'certificate/not_found',
      detail: `certificate "cert-${fingerprint.slice(0, 8)}" not found`,
    });

    const audit = await gateway.db.auditEntry.findMany({
      where: { action: { in: ['certificate.add', 'certificate.remove'] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((entry) => [entry.action, entry.targetName, entry.details])).toEqual([
      ['certificate.add', 'web', { name: `cert-${fingerprint.slice(0, 8)}`, hostnames: ['*.example.test'] }],
      [
        'certificate.add',
        'web',
        {
          name: `cert-${fingerprintOf(platform).slice(0, 8)}`,
          hostnames: ['web.prod.acme.apps.nimbus.test', 'elsewhere.test'],
        },
      ],
      [
        'certificate.remove',
        'web',
        { name: `cert-${fingerprint.slice(0, 8)}`, hostnames: ['*.example.test'] },
      ],
    ]);
  });

  it('should store the key only sealed, where the control plane opens it', async () => {
    const issued = await authority.issue({ altNames: ['sealed.example.test'] });
    const added = await addIssued('api', issued);
    expect(added.status).toBe(201);

    const row = await gateway.db.certificate.findFirstOrThrow({
      where: { fingerprint: fingerprintOf(issued) },
      include: { tenant: true },
    });
    const stored = Buffer.from(row.keyCiphertext);
    expect(stored.includes(Buffer.from(issued.keyPem))).toBe(false);
    expect(stored.includes(Buffer.from(issued.keyPem.split('\n')[1]!))).toBe(false);
    expect(stored.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(row.chainPem).toBe(issued.chainPem);
    const keyring = new TenantKeyring(new MasterKeyring(gateway.config.NIMBUS_MASTER_KEY));
    // Spelled out: this is where the orchestrator opens it.
    const location = { tenantId: row.tenantId, scopeId: row.id, key: 'tls-key' };
    const opened = keyring.open(row.tenant, location, row.keyCiphertext);
    expect(createPrivateKey(opened).equals(createPrivateKey(issued.keyPem))).toBe(true);
    expect(gateway.logs()).not.toContain(issued.keyPem.split('\n')[1]);
  });

  it('should serve a host once the app has it as a domain', async () => {
    const issued = await authority.issue({ altNames: ['*.late.test'] });
    const added = await addIssued('late', issued);
    expect(JSON.parse(added.text).serves).toEqual([]);

    await call(acme, 'POST', `${appPath('acme', 'late')}/domains`, { hostname: 'a.late.test' });
    await call(acme, 'POST', `${appPath('acme', 'late')}/domains`, { hostname: 'b.c.late.test' });

    expect((await listed(acme, 'acme', 'late'))[0]!.serves).toEqual(['a.late.test']);
  });

  it('should refuse what is no certificate, a key not its own, an encrypted key or an expired one, storing nothing', async () => {
    const good = await authority.issue({ altNames: ['good.example.test'] });
    const other = await authority.issue({ altNames: ['other.example.test'] });
    const locked = await authority.issue({ altNames: ['locked.example.test'], passphrase: 'hunter2' });
    const expired = await authority.issue({
      altNames: ['old.example.test'],
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2020-02-01T00:00:00Z'),
    });
    const before = await gateway.db.certificate.count();
    const auditBefore = await gateway.db.auditEntry.count();
    const cases: [string, string, string, string][] = [
      [good.keyPem, good.keyPem, 'body.certificate', 'the certificate file holds no PEM certificate'],
      [good.chainPem, other.keyPem, 'body.key', "the key is not the certificate's"],
      [good.chainPem, 'not a key', 'body.key', 'the key file holds no PEM private key'],
      [locked.chainPem, locked.keyPem, 'body.key', 'the key is encrypted: give it without a passphrase'],
      [
        expired.chainPem,
        expired.keyPem,
        'body.certificate',
        'the certificate expired on 2020-02-01T00:00:00.000Z',
      ],
    ];

    for (const [certificate, key, field, reason] of cases) {
      const refused = await add(acme, 'acme', 'web', certificate, key);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({
        code: 'request/invalid',
        detail: `certificate refused: ${reason}`,
        errors: [{ field, message: reason }],
      });
      expect(refused.text).not.toContain('PRIVATE KEY');
    }
    const tooLong = await add(acme, 'acme', 'web', good.chainPem.padEnd(64 * 1024 + 1, '\n'), good.keyPem);
    expect(tooLong.status).toBe(400);
    expect(JSON.parse(tooLong.text).errors[0].field).toBe('body.certificate');
    expect(
      (await call(acme, 'POST', certificatesOf('acme', 'web'), { certificate: good.chainPem })).status,
    ).toBe(400);
    expect(await gateway.db.certificate.count()).toBe(before);
    expect(await gateway.db.auditEntry.count()).toBe(auditBefore);
  });

  it('should refuse the same certificate twice on an app, not on another app', async () => {
    const issued = await authority.issue({ altNames: ['twice.example.test'] });
    const first = await addIssued('web', issued);
    const name = JSON.parse(first.text).name as string;

    const again = await addIssued('web', issued);
    expect(again.status).toBe(409);
    expect(JSON.parse(again.text)).toMatchObject({
      code: 'certificate/exists',
      detail: `this certificate is already ${name} of web`,
    });
    expect((await addIssued('api', issued)).status).toBe(201);
  });

  it('should name a certificate with 16 digits when another starts like it', async () => {
    const issued = await authority.issue({ altNames: ['prefix.example.test'] });
    const fingerprint = fingerprintOf(issued);
    const other = await gateway.db.certificate.findFirstOrThrow({ where: { app: { name: 'web' } } });
    // Another certificate whose fingerprint starts the same: a one in four billion chance otherwise.
    await gateway.db.certificate.create({
      data: {
        tenantId: other.tenantId,
        appId: other.appId,
        hostnames: other.hostnames,
        subject: other.subject,
        issuer: other.issuer,
        notBefore: other.notBefore,
        notAfter: other.notAfter,
        chainPem: other.chainPem,
        keyCiphertext: other.keyCiphertext,
        name: `cert-${fingerprint.slice(0, 8)}`,
        fingerprint: `${fingerprint.slice(0, 8)}${'0'.repeat(56)}`,
      },
    });

    const added = await addIssued('web', issued);
    expect(added.status).toBe(201);
    expect(JSON.parse(added.text).name).toBe(`cert-${fingerprint.slice(0, 16)}`);
  });

  it('should show and set the HTTP to HTTPS redirect, recording who did', async () => {
    const redirect = `${appPath('acme', 'api')}/https-redirect`;
    expect(JSON.parse((await call(acme, 'GET', redirect)).text)).toEqual({ enabled: false });

    wakes.clear();
    const on = await call(acme, 'PUT', redirect, { enabled: true });
    expect(on).toEqual({ status: 200, text: JSON.stringify({ enabled: true }) });
    await wakes.forApp(await idOfApp('api'));
    expect(JSON.parse((await call(acme, 'GET', redirect)).text)).toEqual({ enabled: true });
    expect((await gateway.db.app.findFirstOrThrow({ where: { name: 'api' } })).httpsRedirect).toBe(true);
    expect((await gateway.db.app.findFirstOrThrow({ where: { name: 'web' } })).httpsRedirect).toBe(false);
    expect(JSON.parse((await call(acme, 'PUT', redirect, { enabled: false })).text)).toEqual({
      enabled: false,
    });

    const refused = await call(acme, 'PUT', redirect, { enabled: 'yes' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errors[0].field).toBe('body.enabled');
    const audit = await gateway.db.auditEntry.findMany({
      where: { action: 'app.https-redirect' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((entry) => [entry.targetName, entry.details])).toEqual([
      ['api', { enabled: true }],
      ['api', { enabled: false }],
    ]);
  });

  it("should keep a tenant out of another tenant's apps' certificates", async () => {
    const [certificate] = await listed(acme, 'acme', 'web');
    const issued = await authority.issue({ altNames: ['sneaky.example.test'] });

    expect((await call(rival, 'GET', certificatesOf('acme', 'web'))).status).toBe(404);
    expect((await add(rival, 'acme', 'web', issued.chainPem, issued.keyPem)).status).toBe(404);
    expect(
      (await call(rival, 'DELETE', `${certificatesOf('acme', 'web')}/${certificate!.name}`)).status,
    ).toBe(404);
    expect(
      (await call(rival, 'DELETE', `${certificatesOf('rival', 'shop')}/${certificate!.name}`)).status,
    ).toBe(404);
    expect((await call(rival, 'GET', `${appPath('acme', 'web')}/https-redirect`)).status).toBe(404);
    expect(
      (await call(rival, 'PUT', `${appPath('acme', 'web')}/https-redirect`, { enabled: true })).status,
    ).toBe(404);
    expect(await gateway.db.certificate.count({ where: { name: certificate!.name } })).toBeGreaterThan(0);
    expect(await listed(rival, 'rival', 'shop')).toEqual([]);
  });

  it('should let viewers read and developers change', async () => {
    const tenant = await gateway.db.tenant.findFirstOrThrow({ where: { name: 'acme' } });
    const token = (role: 'viewer' | 'developer') =>
      createApiToken(gateway.db, acmeOwnerId, { tenantId: tenant.id, role }).then((created) => created.token);
    const viewer = await token('viewer');
    const developer = await token('developer');
    const issued = await authority.issue({ altNames: ['roles.example.test'] });
    const [certificate] = await listed(acme, 'acme', 'web');
    const redirect = `${appPath('acme', 'web')}/https-redirect`;

    expect((await call(viewer, 'GET', certificatesOf('acme', 'web'))).status).toBe(200);
    expect((await call(viewer, 'GET', redirect)).status).toBe(200);
    expect((await add(viewer, 'acme', 'web', issued.chainPem, issued.keyPem)).status).toBe(403);
    expect(
      (await call(viewer, 'DELETE', `${certificatesOf('acme', 'web')}/${certificate!.name}`)).status,
    ).toBe(403);
    expect((await call(viewer, 'PUT', redirect, { enabled: true })).status).toBe(403);
    expect((await add(developer, 'acme', 'web', issued.chainPem, issued.keyPem)).status).toBe(201);
    expect((await call(developer, 'PUT', redirect, { enabled: true })).status).toBe(200);
  });
});
