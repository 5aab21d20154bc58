import { randomBytes } from 'node:crypto';
import { createTestDatabase, testEnvironment, type TestDatabase } from '@nimbus/testing';
import { createPrismaClient, type DbClient } from '../prisma-client';
import { systemScope, tenantScope, type TenantScope } from '../tenant-scope';
import { AutoscalerRepository, type AutoscalerSpec } from './autoscaler.repository';

const SPEC: AutoscalerSpec = {
  minReplicas: 0,
  maxReplicas: 10,
  targetCpuPercent: null,
  targetConcurrency: 100,
  targetRps: null,
  behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
  idleTimeoutMs: 30000,
};

/** A medium spec: autoscalers on a real, migrated database, with two tenants. */
describe(AutoscalerRepository.name, () => {
  let database: TestDatabase;
  let db: DbClient;
  let repository: AutoscalerRepository;

  async function seedApp(tenant: string): Promise<{ scope: TenantScope; appId: string }> {
    const row = await db.tenant.create({
      data: { name: tenant, wrappedDataKey: new Uint8Array(randomBytes(32)), masterKeyId: 'test' },
    });
    const namespace = await db.namespace.create({ data: { tenantId: row.id, name: 'prod' } });
    const app = await db.app.create({
      data: { tenantId: row.id, namespaceId: namespace.id, name: 'shop' },
    });
    return { scope: tenantScope(row.id), appId: app.id };
  }

  beforeAll(async () => {
    database = await createTestDatabase(testEnvironment().TEST_DATABASE_URL);
    db = createPrismaClient(database.url, { poolSize: 2 });
    repository = new AutoscalerRepository(db);
  });

  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  it('should replace the spec but keep the control plane state on upsert', async () => {
    const { scope, appId } = await seedApp('acme-upsert');
    const created = await repository.upsert(scope, appId, 'web', SPEC);
    await repository.markScaledToZero(scope, created.id, new Date('2026-01-01T00:00:00Z'));

    await repository.upsert(scope, appId, 'web', { ...SPEC, maxReplicas: 4 });

    const found = await repository.find(scope, appId, 'web');
    expect(found).toMatchObject({ id: created.id, maxReplicas: 4, behavior: SPEC.behavior });
    expect(found?.scaledToZeroAt).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('should not show or remove another tenant’s autoscalers', async () => {
    const mine = await seedApp('acme-mine');
    const theirs = await seedApp('acme-theirs');
    await repository.upsert(theirs.scope, theirs.appId, 'web', SPEC);

    expect(await repository.listOfApp(mine.scope, theirs.appId)).toEqual([]);
    expect(await repository.find(mine.scope, theirs.appId, 'web')).toBeNull();
    expect(await repository.delete(mine.scope, theirs.appId, 'web')).toBeNull();
    expect(await repository.listOfApp(theirs.scope, theirs.appId)).toHaveLength(1);
    await expect(repository.upsert(mine.scope, theirs.appId, 'worker', SPEC)).rejects.toThrow();
  });

  it('should list every tenant’s autoscalers with names for the control plane', async () => {
    const { scope, appId } = await seedApp('acme-all');
    await repository.upsert(scope, appId, 'web', SPEC);

    const all = await repository.listAll(systemScope());

    const row = all.find((autoscaler) => autoscaler.appId === appId);
    expect(row?.app).toMatchObject({
      id: appId,
      name: 'shop',
      namespace: { name: 'prod' },
      tenant: { id: scope.tenantId, name: 'acme-all' },
    });
  });

  it('should record scaling to zero, waking and scaling under the system scope', async () => {
    const { scope, appId } = await seedApp('acme-state');
    const { id } = await repository.upsert(scope, appId, 'web', SPEC);
    const system = systemScope();

    await repository.markScaledToZero(system, id, new Date('2026-01-01T00:00:00Z'));
    expect(await repository.find(scope, appId, 'web')).toMatchObject({
      scaledToZeroAt: new Date('2026-01-01T00:00:00Z'),
      lastScaleAt: new Date('2026-01-01T00:00:00Z'),
    });

    await repository.clearScaledToZero(system, id);
    await repository.recordScale(system, id, new Date('2026-01-01T00:01:00Z'));
    expect(await repository.find(scope, appId, 'web')).toMatchObject({
      scaledToZeroAt: null,
      lastScaleAt: new Date('2026-01-01T00:01:00Z'),
    });
  });

  it('should not let a tenant scope change another tenant’s autoscaler state', async () => {
    const mine = await seedApp('acme-state-mine');
    const theirs = await seedApp('acme-state-theirs');
    const { id } = await repository.upsert(theirs.scope, theirs.appId, 'web', SPEC);

    await repository.markScaledToZero(mine.scope, id, new Date());

    expect((await repository.find(theirs.scope, theirs.appId, 'web'))?.scaledToZeroAt).toBeNull();
  });

  it('should return the removed autoscaler on delete', async () => {
    const { scope, appId } = await seedApp('acme-delete');
    await repository.upsert(scope, appId, 'web', SPEC);

    expect(await repository.delete(scope, appId, 'web')).toMatchObject({ processType: 'web' });
    expect(await repository.find(scope, appId, 'web')).toBeNull();
  });
});
