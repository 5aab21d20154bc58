import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { certificatesKey, type EdgeCertificate } from '@nimbus/cluster';
import { MasterKeyring, TenantKeyring, certificateKeyLocation, openForEdge } from '@nimbus/crypto';
import { createPrismaClient, scopeOfRow, systemScope, type App, type DbClient } from '@nimbus/db';
import {
  createTestDatabase,
  createTestRedisPrefix,
  testEnvironment,
  type TestDatabase,
} from '@nimbus/testing';
import { CertificateExpiry } from './certificate-expiry';
import { CertificatesPublisher } from './certificates.publisher';
import { UnservedCertificates } from './unserved-certificates';

const DAY_MS = 24 * 3600 * 1000;
const CHAIN = '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

/** A medium spec: certificates from a real, migrated database to a real Redis, and their expiry. */
describe(CertificatesPublisher.name, () => {
  const system = systemScope();
  const keyring = new TenantKeyring(new MasterKeyring(randomBytes(32)));
  const edgeKey = randomBytes(32);
  const prefix = createTestRedisPrefix();
  let database: TestDatabase;
  let db: DbClient;
  let redis: Redis;
  let app: App;

  const addCertificate = async (
    name: string,
    hostnames: string[],
    notAfter = new Date(Date.now() + 90 * DAY_MS),
  ) => {
    const id = randomUUID();
    const tenant = await db.tenant.findUniqueOrThrow({ where: { id: app.tenantId } });
    return db.certificate.create({
      data: {
        id,
        tenantId: app.tenantId,
        appId: app.id,
        name,
        hostnames,
        subject: `CN=${hostnames[0]}`,
        issuer: 'CN=Test CA',
        notBefore: new Date(),
        notAfter,
        fingerprint: randomBytes(32).toString('hex'),
        chainPem: CHAIN,
        keyCiphertext: new Uint8Array(keyring.seal(tenant, certificateKeyLocation(app.tenantId, id), KEY)),
      },
    });
  };
  const published = async () => {
    const all = await redis.hgetall(certificatesKey(prefix));
    return new Map(Object.entries(all).map(([id, text]) => [id, JSON.parse(text) as EdgeCertificate]));
  };

  beforeAll(async () => {
    const environment = testEnvironment();
    database = await createTestDatabase(environment.TEST_DATABASE_URL);
    db = createPrismaClient(database.url, { poolSize: 4 });
    redis = new Redis(environment.TEST_REDIS_URL);
    const { wrapped, masterKeyId } = keyring.newTenantKey();
    const tenant = await db.tenant.create({
      data: { name: 'acme', wrappedDataKey: new Uint8Array(wrapped), masterKeyId },
    });
    const namespace = await db.namespace.create({ data: { tenantId: tenant.id, name: 'prod' } });
    app = await db.app.create({ data: { tenantId: tenant.id, namespaceId: namespace.id, name: 'web' } });
  });
  beforeEach(async () => {
    await db.certificate.deleteMany();
    await db.event.deleteMany();
    await redis.del(certificatesKey(prefix));
  });
  afterAll(async () => {
    redis.disconnect();
    await db.$disconnect();
    await database.drop();
  });

  it("should give the routers a certificate for the app's hosts it covers, its key sealed for them alone", async () => {
    const publisher = new CertificatesPublisher(system, redis, prefix, keyring, edgeKey);
    const wildcard = await addCertificate('cert-1', ['*.example.test', 'bank.test']);
    const unrelated = await addCertificate('cert-2', ['other.test']);
    const hosts = new Set(['web.prod.acme.localhost', 'www.example.test', 'shop.example.test']);
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);

    const entries = await published();
    expect([...entries.keys()]).toEqual([wildcard.id]);
    const entry = entries.get(wildcard.id)!;
    expect(entry).toMatchObject({ appId: app.id, serves: ['shop.example.test', 'www.example.test'] });
    expect(openForEdge(edgeKey, wildcard.id, entry.sealed)).toBe(`${CHAIN}${KEY}`);
    expect(() => openForEdge(randomBytes(32), wildcard.id, entry.sealed)).toThrow();
    expect(() => openForEdge(edgeKey, unrelated.id, entry.sealed)).toThrow();

    // Unchanged: not sealed and written again.
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);
    expect((await published()).get(wildcard.id)?.sealed).toBe(entry.sealed);

    // The domain removed: nothing of the app's is covered, so it is served no more.
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, new Set(['web.prod.acme.localhost']));
    expect((await published()).size).toBe(0);
  });

  it('should serve a host with the renewed certificate once it is added beside the old one', async () => {
    const publisher = new CertificatesPublisher(system, redis, prefix, keyring, edgeKey);
    const hosts = new Set(['www.example.test']);
    const old = await addCertificate('cert-old', ['www.example.test'], new Date(Date.now() + 5 * DAY_MS));
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);
    expect([...(await published()).keys()]).toEqual([old.id]);
    const renewed = await addCertificate(
      'cert-new',
      ['www.example.test'],
      new Date(Date.now() + 90 * DAY_MS),
    );
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);
    expect([...(await published()).keys()]).toEqual([renewed.id]);
  });

  it('should take out a removed certificate at once, and a leftover one on collection', async () => {
    const publisher = new CertificatesPublisher(system, redis, prefix, keyring, edgeKey);
    const certificate = await addCertificate('cert-1', ['www.example.test']);
    const hosts = new Set(['www.example.test']);
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);
    await db.certificate.delete({ where: { id: certificate.id } });
    await publisher.reconcile(db, scopeOfRow(system, app), app.id, hosts);
    expect((await published()).size).toBe(0);

    // Written by a leader that is gone: this one never knew of it.
    await redis.hset(certificatesKey(prefix), 'c0ffee', '{}');
    await new CertificatesPublisher(system, redis, prefix, keyring, edgeKey).collect(db);
    expect((await published()).size).toBe(0);
  });

  it('should warn once of a certificate within 30 days of its end, and not of one further off', async () => {
    const now = new Date();
    await addCertificate('cert-soon', ['www.example.test'], new Date(now.getTime() + 10.5 * DAY_MS));
    await addCertificate('cert-later', ['shop.example.test'], new Date(now.getTime() + 60 * DAY_MS));
    const expiry = new CertificateExpiry(system);
    expect(await expiry.warn(db, now)).toBe(1);
    expect(await expiry.warn(db, now)).toBe(0);
    const events = await db.event.findMany({ where: { appId: app.id } });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'CertificateExpiring',
        message: expect.stringMatching(
          /^certificate cert-soon \(www\.example\.test\) expires on .+ \(in 10 days\): add a renewed one with certs:add$/,
        ),
      }),
    ]);
  });

  it('should tell the app once of each certificate no router can serve, without an edge key', async () => {
    await addCertificate('cert-one', ['www.example.test']);
    const unserved = new UnservedCertificates(system);
    expect(await unserved.warn(db)).toBe(1);
    expect(await unserved.warn(db)).toBe(0);
    await addCertificate('cert-two', ['shop.example.test', 'api.example.test']);
    expect(await unserved.warn(db)).toBe(1);
    const events = await db.event.findMany({ where: { appId: app.id }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => [event.type, event.reason, event.message])).toEqual([
      [
        'Warning',
        'CertificateNotServed',
        "certificate cert-one (www.example.test) is not served: the platform's orchestrators and routers have no NIMBUS_EDGE_KEY (ask its operator to set one)",
      ],
      [
        'Warning',
        'CertificateNotServed',
        expect.stringMatching(
          /^certificate cert-two \(shop\.example\.test, api\.example\.test\) is not served/,
        ),
      ],
    ]);
  });
});
