import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';
import { runNimbus, type CliResult } from './support/nimbus-cli';

describe('nimbus usage', () => {
  let gateway: TestGateway;
  let home: string;
  let nimbus: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    gateway = await startTestGateway();
    const { ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web', 'api'] });
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-usage-'));
    nimbus = (...args) => runNimbus({ home, api: gateway.url, token: ownerToken }, args, { timeout: 20_000 });

    for (const app of await gateway.db.app.findMany({ include: { namespace: true } })) {
      const owner = {
        tenantId: app.tenantId,
        namespaceId: app.namespaceId,
        appId: app.id,
        namespaceName: app.namespace.name,
        appName: app.name,
        hour: new Date('2026-03-01T10:00:00Z'),
      };
      if (app.name === 'web') {
        await gateway.db.instanceUsage.createMany({
          data: [
            { ...owner, memoryMb: 512, cpuMillis: 250, instanceSeconds: 7200 },
            { ...owner, memoryMb: 1024, cpuMillis: 500, instanceSeconds: 1800 },
          ],
        });
      }
      await gateway.db.requestUsage.create({ data: { ...owner, requests: app.name === 'web' ? 1234 : 5 } });
    }
  });
  afterAll(async () => {
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  it('should print instance-hours by size and requests per app, with totals', async () => {
    const run = await nimbus('usage', '--tenant', 'acme', '--from', '2026-03-01', '--to', '2026-03-02');

    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout.split('\n')).toEqual([
      'Usage of tenant acme from 2026-03-01 00:00 UTC to 2026-03-02 00:00 UTC',
      '',
      'NAMESPACE  APP  HOURS 512MB/0.25CPU  HOURS 1024MB/0.5CPU  INSTANCE-HOURS  REQUESTS',
      'prod       api  -                    -                    0.00            5',
      'prod       web  2.00                 0.50                 2.50            1234',
      'total           2.00                 0.50                 2.50            1239',
      '',
    ]);
  });

  it('should print the API response with --json', async () => {
    const run = await nimbus(
      'usage',
      '--tenant',
      'acme',
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-02',
      '--json',
    );

    expect(JSON.parse(run.stdout)).toMatchObject({
      tenant: 'acme',
      totals: {
        instanceSeconds: { '512MB/250m': 7200, '1024MB/500m': 1800 },
        instanceHours: 2.5,
        requests: 1239,
      },
    });
  });

  it('should say so when the period has no usage, and fail in one line on a bad range', async () => {
    const empty = await nimbus('usage', '--tenant', 'acme', '--from', '2026-01-01', '--to', '2026-01-02');
    expect(empty.stdout).toContain('No usage in this period.');

    const refused = await nimbus('usage', '--tenant', 'acme', '--from', '2026-03-02', '--to', '2026-03-01');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: [^\n]*`to` must be after `from`[^\n]*\n$/);
  });
});
