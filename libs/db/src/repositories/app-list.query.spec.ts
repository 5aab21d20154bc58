import { randomBytes } from 'node:crypto';
import { createTestDatabase, testEnvironment, type TestDatabase } from '@nimbus/testing';
import { createDatabasePool, createPrismaClient, type DatabasePool, type DbClient } from '../prisma-client';
import { tenantScope, type TenantScope } from '../tenant-scope';
import { AppListQuery } from './app-list.query';

/** A medium spec: the prepared app list on a real, migrated database, beside Prisma on one pool. */
describe(AppListQuery.name, () => {
  let database: TestDatabase;
  let pool: DatabasePool;
  let db: DbClient;

  async function seedNamespace(tenant: string): Promise<{ scope: TenantScope; namespaceId: string }> {
    const row = await db.tenant.create({
      data: { name: tenant, wrappedDataKey: new Uint8Array(randomBytes(32)), masterKeyId: 'test' },
    });
    const namespace = await db.namespace.create({ data: { tenantId: row.id, name: 'prod' } });
    return { scope: tenantScope(row.id), namespaceId: namespace.id };
  }

  beforeAll(async () => {
    database = await createTestDatabase(testEnvironment().TEST_DATABASE_URL);
    pool = createDatabasePool(database.url, { poolSize: 2 });
    db = createPrismaClient(pool);
  });

  afterAll(async () => {
    await db.$disconnect();
    await pool.end();
    await database.drop();
  });

  it('should list a namespace’s apps by name with their status facts, as Prisma types them', async () => {
    const { scope, namespaceId } = await seedNamespace('acme');
    const tenantId = scope.tenantId;
    const shop = await db.app.create({
      data: { tenantId, namespaceId, name: 'shop', currentReleaseVersion: 2 },
    });
    await db.app.create({ data: { tenantId, namespaceId, name: 'api', runtime: 'oci' } });
    await db.formation.create({ data: { tenantId, appId: shop.id, processType: 'web', replicas: 2 } });
    await db.rollout.create({
      data: { tenantId, appId: shop.id, releaseVersion: 2, deadlineAt: new Date(Date.now() + 60_000) },
    });
    const instance = { tenantId, appId: shop.id, namespaceId, processType: 'web', releaseVersion: 2 };
    await db.instance.create({ data: { ...instance, cpuMillis: 250, memoryMb: 256, ready: true } });
    await db.instance.create({ data: { ...instance, cpuMillis: 250, memoryMb: 256, phase: 'crashloop' } });

    const query = new AppListQuery(pool);
    // Twice: the second runs the statement the connection has prepared.
    await query.list(scope, namespaceId);
    const [api, listedShop] = await query.list(scope, namespaceId);

    expect(api).toMatchObject({
      name: 'api',
      runtime: 'oci',
      rollout: null,
      wanted: 0,
      ready: 0,
      crashed: false,
    });
    expect(listedShop).toEqual({
      ...(await db.app.findUniqueOrThrow({ where: { id_tenantId: { id: shop.id, tenantId } } })),
      rollout: 'progressing',
      wanted: 2,
      idle: false,
      ready: 1,
      crashed: true,
    });
    expect(listedShop!.createdAt).toBeInstanceOf(Date);
  });

  it('should not list another tenant’s apps', async () => {
    const mine = await seedNamespace('acme-mine');
    const theirs = await seedNamespace('acme-theirs');
    await db.app.create({
      data: { tenantId: theirs.scope.tenantId, namespaceId: theirs.namespaceId, name: 'x' },
    });
    expect(await new AppListQuery(pool).list(mine.scope, theirs.namespaceId)).toEqual([]);
  });
});
