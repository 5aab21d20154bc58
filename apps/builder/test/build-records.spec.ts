import {
  BuildLimitError,
  BuildRepository,
  createPrismaClient,
  systemScope,
  tenantScope,
  type DbClient,
  type TenantScope,
} from '@nimbus/db';
import { createTestDatabase, testEnvironment, type TestDatabase } from '@nimbus/testing';

describe('build records: limits and the claim protocol builders share', () => {
  let database: TestDatabase;
  let db: DbClient;
  let scope: TenantScope;
  let apps: string[];
  let builds: BuildRepository;
  const system = systemScope();
  const limits = { perApp: 1, perTenant: 2 };
  const newBuild = (n: number) => ({
    commit: n.toString(16).padStart(40, '0'),
    ref: 'refs/heads/main',
    sourcePath: `/nonexistent/${n}.tar`,
    actorUserId: null,
  });

  beforeAll(async () => {
    database = await createTestDatabase(testEnvironment().TEST_DATABASE_URL);
    db = createPrismaClient(database.url, { poolSize: 4 });
    builds = new BuildRepository(db);
    const tenant = await db.tenant.create({
      data: { name: 'acme', wrappedDataKey: new Uint8Array(60), masterKeyId: 'k' },
    });
    scope = tenantScope(tenant.id);
    const namespace = await db.namespace.create({ data: { tenantId: tenant.id, name: 'prod' } });
    apps = [];
    for (const name of ['web', 'api', 'worker']) {
      const app = await db.app.create({ data: { tenantId: tenant.id, namespaceId: namespace.id, name } });
      apps.push(app.id);
    }
  });
  afterEach(() => db.build.deleteMany());
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  it('should refuse builds beyond the per-app and per-tenant limits, even when pushes race', async () => {
    const [web, api, worker] = apps as [string, string, string];
    const racing = await Promise.allSettled(
      [1, 2, 3].map((n) => BuildRepository.create(db, scope, web, newBuild(n), limits)),
    );
    expect(racing.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = racing.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toEqual(new BuildLimitError('app', 1));
    expect((refused.reason as Error).message).toBe(
      'this app already has 1 build(s) running; wait for it to finish',
    );

    await BuildRepository.create(db, scope, api, newBuild(4), limits);
    await expect(BuildRepository.create(db, scope, worker, newBuild(5), limits)).rejects.toThrow(
      'this tenant already has 2 builds running, its limit; try again when one finishes',
    );
    const [first] = await builds.list(scope, web, 10);
    await builds.abandon(system, first!.id, 'gave up');
    await expect(BuildRepository.create(db, scope, worker, newBuild(6), limits)).resolves.toMatchObject({
      status: 'queued',
    });
  });

  it('should hand a build to one builder at a time, and to another only once its heartbeat is stale', async () => {
    const { id } = await BuildRepository.create(db, scope, apps[0]!, newBuild(7), limits);
    const longAgo = new Date(Date.now() - 60_000);
    const claims = await Promise.all([builds.claim(system, id, longAgo), builds.claim(system, id, longAgo)]);
    const held = claims.filter(Boolean);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ status: 'building', attempts: 1 });
    expect(await builds.heartbeat(system, id, 1)).toBe(true);

    // The holder went quiet: a claim that counts its heartbeat as stale takes the build over.
    const takeover = await builds.claim(system, id, new Date(Date.now() + 1000));
    expect(takeover).toMatchObject({ attempts: 2 });
    expect(await builds.heartbeat(system, id, 1)).toBe(false);
    expect(await builds.finish(system, id, 1, { status: 'failed', failureReason: 'x', output: '' })).toBe(
      false,
    );
    expect(await builds.stranded(system, new Date(Date.now() + 1000), longAgo)).toEqual([
      expect.objectContaining({ id }),
    ]);

    expect(
      await builds.finish(system, id, 2, {
        status: 'succeeded',
        stack: 'node',
        imageDigest: `sha256:${'a'.repeat(64)}`,
        imageSizeBytes: 10,
        releaseVersion: 1,
        output: 'done\n',
      }),
    ).toBe(true);
    expect(await builds.claim(system, id, new Date(Date.now() + 1000))).toBeNull();
    expect(await builds.stranded(system, new Date(Date.now() + 1000), new Date(Date.now() + 1000))).toEqual(
      [],
    );
  });

  it('should list queued builds whose wake-up may be lost as stranded', async () => {
    const { id } = await BuildRepository.create(db, scope, apps[1]!, newBuild(8), limits);
    expect(await builds.stranded(system, new Date(), new Date(Date.now() - 60_000))).toEqual([]);
    expect(await builds.stranded(system, new Date(), new Date(Date.now() + 1000))).toEqual([
      expect.objectContaining({ id, status: 'queued' }),
    ]);
  });
});
