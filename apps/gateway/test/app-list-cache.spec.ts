import { Client } from 'pg';
import { seedTenant } from '@nimbus/testing';
import { startReplica, startTestGateway, type TestGateway } from './support/test-gateway';

/** Two gateways on one database, as replicas run: app lists kept in memory, and when they are not. */
describe('app lists kept in memory', () => {
  let first: TestGateway;
  let second: TestGateway;
  let sql: Client;
  let token: string;
  let tenantId: string;

  const names = async (gateway: TestGateway) =>
    (
      await gateway.client(token).GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
        params: { path: { tenant: 'acme', namespace: 'prod' } },
      })
    ).data!.map((app) => app.name);
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    for (const started = Date.now(); !(await check()); await new Promise((done) => setTimeout(done, 20)))
      if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
  };
  /** A change no trigger announces: what a list kept in memory does not see. */
  const renameUnannounced = async (from: string, to: string) => {
    await sql.query('ALTER TABLE "App" DISABLE TRIGGER nimbus_app_list_app');
    await sql.query('UPDATE "App" SET name = $1 WHERE name = $2', [to, from]);
    await sql.query('ALTER TABLE "App" ENABLE TRIGGER nimbus_app_list_app');
  };

  const announce = () => sql.query("SELECT pg_notify('nimbus_app_list', $1)", [tenantId]);
  /**
   * Whether the second gateway serves a kept list: it does not see a rename no trigger announces.
   * A list it read while the app was renamed may be kept afterwards: then that is announced away.
   */
  const keepsLists = async (name: string) => {
    await names(second);
    await renameUnannounced(name, `${name}-unseen`);
    const kept = (await names(second)).includes(name);
    await renameUnannounced(`${name}-unseen`, name);
    if (!kept) {
      await announce();
      await eventually(async () => (await names(second)).includes(name), 'the list read meanwhile dropped');
    }
    return kept;
  };

  beforeAll(async () => {
    first = await startTestGateway();
    second = await startReplica(first);
    ({ ownerToken: token } = await seedTenant(first, 'acme', { prod: ['api', 'web'] }));
    tenantId = (await first.db.tenant.findFirstOrThrow({ where: { name: 'acme' } })).id;
    sql = new Client({ connectionString: first.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await second.close();
    await first.close();
  });

  it('should serve a list from memory until the database announces a change to it', async () => {
    await eventually(() => keepsLists('api'), 'the list kept');
    await renameUnannounced('api', 'api-renamed');
    expect(await names(second)).toEqual(['api', 'web']);
    await announce();
    await eventually(async () => (await names(second)).includes('api-renamed'), 'the announced change');
    await renameUnannounced('api-renamed', 'api');
    await announce();
  });

  it('should show a write at once through its gateway, and soon through the other', async () => {
    await names(first);
    await names(second);
    await first.client(token).POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
      params: { path: { tenant: 'acme', namespace: 'prod' } },
      body: { name: 'shop' },
    });
    expect(await names(first)).toEqual(['api', 'shop', 'web']);
    await eventually(async () => (await names(second)).includes('shop'), 'the other gateway');
  });

  it('should read every list while the announcements are not heard, and keep them again after', async () => {
    await names(second);
    const { rowCount } = await sql.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN nimbus_app_list' AND datname = current_database()",
    );
    expect(rowCount).toBe(2);
    // Until each gateway listens again, what it kept is not served; afterwards it keeps lists again.
    await renameUnannounced('web', 'web-meanwhile');
    await eventually(async () => (await names(second)).includes('web-meanwhile'), 'a read from the database');
    await eventually(() => keepsLists('web-meanwhile'), 'listening again');
  });
});
