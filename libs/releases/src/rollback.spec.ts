import { randomBytes } from 'node:crypto';
import { MasterKeyring, TenantKeyring, type TenantKey } from '@nimbus/crypto';
import {
  ConfigEntryRepository,
  createPrismaClient,
  loadTenantKey,
  tenantScope,
  type App,
  type ConfigOwner,
  type DbClient,
  type TenantScope,
} from '@nimbus/db';
import { createTestDatabase, testEnvironment, type TestDatabase } from '@nimbus/testing';
import { ReleaseCutter } from './release-cutter';
import { ReleaseNotFoundError } from './rollback';

const IMAGE_1 = `sha256:${'1'.repeat(64)}`;
const IMAGE_2 = `sha256:${'2'.repeat(64)}`;

/** A medium spec: the rollback rule on a real, migrated database with a real tenant key. */
describe(ReleaseCutter.name, () => {
  let database: TestDatabase;
  let db: DbClient;
  let keyring: TenantKeyring;
  let cutter: ReleaseCutter;
  let scope: TenantScope;
  let tenantKey: TenantKey;
  let app: App;
  let appOwner: ConfigOwner;
  let namespaceOwner: ConfigOwner;

  /** Writes config as the API does: secrets sealed under the tenant's key at their owner. */
  async function setConfig(owner: ConfigOwner, kind: 'var' | 'secret', key: string, value: string) {
    const scopeId =
      owner.scope === 'app' ? owner.appId : owner.scope === 'namespace' ? owner.namespaceId : scope.tenantId;
    await new ConfigEntryRepository(db).upsert(scope, owner, {
      key,
      kind,
      value: kind === 'var' ? value : null,
      ciphertext:
        kind === 'secret'
          ? new Uint8Array(keyring.seal(tenantKey, { tenantId: scope.tenantId, scopeId, key }, value))
          : null,
    });
  }

  /** What each owner holds now, secrets opened: `scope:KEY=value`. */
  async function storedConfig(): Promise<string[]> {
    const entries = await new ConfigEntryRepository(db).forApp(scope, app.namespaceId, app.id);
    return entries
      .map((entry) => {
        const value =
          entry.kind === 'var'
            ? entry.value
            : keyring.open(
                tenantKey,
                { tenantId: scope.tenantId, scopeId: entry.scopeId, key: entry.key },
                entry.ciphertext as Uint8Array,
              );
        return `${entry.scope}:${entry.key}=${value}`;
      })
      .sort();
  }

  const cut = (digest: string, description: string) =>
    db.$transaction((tx) =>
      cutter.cut(tx, scope, app.id, { digest, processTypes: { web: 'npm start' } }, description, null),
    );

  beforeAll(async () => {
    database = await createTestDatabase(testEnvironment().TEST_DATABASE_URL);
    db = createPrismaClient(database.url, { poolSize: 4 });
    keyring = new TenantKeyring(new MasterKeyring(randomBytes(32)));
    cutter = new ReleaseCutter(keyring);
    const dataKey = keyring.newTenantKey();
    const tenant = await db.tenant.create({
      data: {
        name: 'acme',
        wrappedDataKey: new Uint8Array(dataKey.wrapped),
        masterKeyId: dataKey.masterKeyId,
      },
    });
    scope = tenantScope(tenant.id);
    tenantKey = await loadTenantKey(db, scope);
    const namespace = await db.namespace.create({ data: { tenantId: tenant.id, name: 'prod' } });
    app = await db.app.create({ data: { tenantId: tenant.id, namespaceId: namespace.id, name: 'web' } });
    appOwner = { scope: 'app', namespaceId: namespace.id, appId: app.id };
    namespaceOwner = { scope: 'namespace', namespaceId: namespace.id };
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  it("should restore the app's own config on an automatic rollback, keeping what was set since above it", async () => {
    await setConfig(appOwner, 'var', 'LOG_LEVEL', 'info');
    await setConfig(appOwner, 'secret', 'DB_PASSWORD', 'v1-s3cret');
    const v1 = await cut(IMAGE_1, 'Deploy 1111111');
    // Since v1: the app's own config changed every way it can, and the namespace's too.
    await setConfig(appOwner, 'var', 'LOG_LEVEL', 'debug');
    await setConfig(appOwner, 'secret', 'DB_PASSWORD', 'v2-s3cret');
    await setConfig(appOwner, 'var', 'FEATURE', 'on');
    await setConfig(namespaceOwner, 'var', 'REGION', 'eu');
    await db.app.update({ where: { id: app.id }, data: { configVersion: { increment: 1 } } });
    await cut(IMAGE_2, 'Deploy 2222222');
    const before = await db.app.findUniqueOrThrow({ where: { id: app.id } });

    // As the orchestrator rolls back after a failed rollout: no actor, the reason in the description.
    const rollback = await db.$transaction((tx) =>
      cutter.rollback(tx, scope, app.id, 1, 'Rollback to v1 (v2 failed: crashed)', null),
    );

    expect(rollback).toMatchObject({
      version: 3,
      description: 'Rollback to v1 (v2 failed: crashed)',
      imageDigest: IMAGE_1,
      actorUserId: null,
      configVersion: before.configVersion + 1,
    });
    // It runs exactly v1's sealed environment...
    expect(Buffer.from(rollback.configSnapshot)).toEqual(Buffer.from(v1.configSnapshot));
    expect(cutter.open(tenantKey, app.id, rollback.configSnapshot).map((e) => `${e.key}=${e.value}`)).toEqual(
      ['DB_PASSWORD=v1-s3cret', 'LOG_LEVEL=info'],
    );
    // ...and the app's own config is v1's again, the secret sealed anew; the namespace keeps REGION.
    expect(await storedConfig()).toEqual([
      'app:DB_PASSWORD=v1-s3cret',
      'app:LOG_LEVEL=info',
      'namespace:REGION=eu',
    ]);
    const after = await db.app.findUniqueOrThrow({ where: { id: app.id } });
    expect(after).toMatchObject({ currentReleaseVersion: 3, configVersion: before.configVersion + 1 });

    // The next release builds on what runs: the restored app config, and what the namespace set since.
    const next = await cut(IMAGE_1, 'Set FEATURE2 config vars');
    expect(cutter.open(tenantKey, app.id, next.configSnapshot).map((e) => `${e.scope}:${e.key}`)).toEqual([
      'app:DB_PASSWORD',
      'app:LOG_LEVEL',
      'namespace:REGION',
    ]);
  });

  it('should refuse a rollback to a release that does not exist, changing nothing', async () => {
    const before = await db.app.findUniqueOrThrow({ where: { id: app.id } });
    const config = await storedConfig();
    await expect(
      db.$transaction((tx) => cutter.rollback(tx, scope, app.id, 99, 'Rollback to v99', null)),
    ).rejects.toThrow(new ReleaseNotFoundError(app.id, 99));
    expect(await db.app.findUniqueOrThrow({ where: { id: app.id } })).toEqual(before);
    expect(await storedConfig()).toEqual(config);
  });

  it("should not roll back to another tenant's release", async () => {
    const other = await db.tenant.create({
      data: {
        name: 'globex',
        wrappedDataKey: new Uint8Array(keyring.newTenantKey().wrapped),
        masterKeyId: 'k',
      },
    });
    await expect(
      db.$transaction((tx) => cutter.rollback(tx, tenantScope(other.id), app.id, 1, 'Rollback to v1', null)),
    ).rejects.toBeInstanceOf(ReleaseNotFoundError);
  });
});
