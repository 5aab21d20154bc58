import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoscalerRepository, tenantScope } from '@nimbus/db';
import { seedTenant } from '@nimbus/testing';
import { ReleasesService } from '@nimbus/gateway';
import { startTestGateway, type TestGateway } from './support/gateway';
import { runNimbus, type CliResult } from './support/nimbus-cli';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Asserts the failure contract: status 1, nothing on stdout, exactly one `error:` line on stderr. */
function failed(result: CliResult, detail: string): void {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(result.stderr).toContain(`error: ${detail}`);
}

// Each test spawns several CLI processes; on a loaded machine that outlasts Jest's default.
jest.setTimeout(60_000);

describe('nimbus autoscale, autoscale:set and autoscale:off', () => {
  let gateway: TestGateway;
  let home: string;
  let app: { id: string; tenantId: string };
  let strangerToken: string;
  let nimbus: (...args: string[]) => Promise<CliResult>;

  const cli =
    (token: string) =>
    (...args: string[]) =>
      runNimbus({ home, api: gateway.url, token }, args);
  const autoscaler = (type: string) =>
    gateway.db.autoscaler.findFirst({ where: { appId: app.id, processType: type } });

  beforeAll(async () => {
    gateway = await startTestGateway();
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-autoscale-'));
    const seeded = await seedTenant(gateway, 'acme', { prod: ['shop'] });
    nimbus = cli(seeded.ownerToken);
    strangerToken = (await seedTenant(gateway, 'other')).ownerToken;
    app = await gateway.db.app.findFirstOrThrow({ where: { name: 'shop' } });
    await gateway.app
      .get(ReleasesService)
      .deploy(
        tenantScope(app.tenantId),
        app.id,
        { digest: DIGEST, processTypes: { web: 'npm start', worker: 'node worker.js' } },
        'Deploy c0ffee1',
        seeded.owner.id,
      );
    const formation = { tenantId: app.tenantId, appId: app.id };
    await gateway.db.formation.createMany({
      data: [
        { ...formation, processType: 'web', replicas: 2 },
        { ...formation, processType: 'worker', replicas: 0 },
      ],
    });
    expect((await nimbus('target', 'acme/prod')).status).toBe(0);
  });

  afterAll(async () => {
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  it('should autoscale web to zero on concurrency and say so', async () => {
    expect(
      await nimbus(
        'autoscale:set',
        '-a',
        'shop',
        'web',
        '--min',
        '0',
        '--max',
        '10',
        '--concurrency',
        '50',
        '--idle',
        '1m',
      ),
    ).toEqual({
      status: 0,
      stdout:
        'Autoscaling web of shop: 0–10 instances on concurrency 50, to zero after 60s idle\nweb: 2 instances now\n',
      stderr: '',
    });
    expect(await autoscaler('web')).toMatchObject({
      minReplicas: 0,
      maxReplicas: 10,
      targetConcurrency: 50,
      targetCpuPercent: null,
      idleTimeoutMs: 60_000,
    });
  });

  it('should send behavior flags as Kubernetes behavior', async () => {
    const result = await nimbus(
      'autoscale:set',
      '-a',
      'shop',
      'worker',
      '--min',
      '1',
      '--max',
      '4',
      '--down-window',
      '60s',
      '--up-policy',
      'pods=2/30s,percent=50/1m',
      '--up-select',
      'min',
      '--json',
    );

    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'worker', cpu: 80, replicas: 1 });
    expect((await autoscaler('worker'))?.behavior).toEqual({
      scaleUp: {
        policies: [
          { type: 'Pods', value: 2, periodSeconds: 30 },
          { type: 'Percent', value: 50, periodSeconds: 60 },
        ],
        selectPolicy: 'Min',
      },
      scaleDown: { stabilizationWindowSeconds: 60 },
    });
  });

  it('should list autoscaled types, an idle one with when it went to zero', async () => {
    const web = await autoscaler('web');
    await gateway.db.formation.updateMany({
      where: { appId: app.id, processType: 'web' },
      data: { replicas: 0 },
    });
    await new AutoscalerRepository(gateway.db).markScaledToZero(
      tenantScope(app.tenantId),
      web?.id ?? '',
      new Date('2026-01-02T03:04:05Z'),
    );

    const { status, stdout, stderr } = await nimbus('autoscale', '-a', 'shop');

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE +MIN +MAX +TARGETS +READY +STATE +LAST SCALED$/);
    expect(lines[1]).toMatch(
      /^web +0 +10 +concurrency 50 +0\/0 +idle, scaled to zero at 2026-01-02 03:04 UTC \(.+ ago\) +.+ ago$/,
    );
    expect(lines[2]).toMatch(/^worker +1 +4 +cpu 80% +0\/1 +scaled +- *$/);
  });

  it('should show bounds and idleness in ps', async () => {
    const { status, stdout } = await nimbus('ps', '-a', 'shop');

    expect(status).toBe(0);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(
        /^web: idle, scaled to zero at 2026-01-02 03:04 UTC \(.+ ago\); autoscaled 0–10 {2}\(npm start\)$/,
      ),
      'worker (autoscaled 1–4): 1 × 256 MB, 250m CPU  (node worker.js)',
    ]);
  });

  it('should refuse ps:scale of an autoscaled type, naming autoscale:off', async () => {
    failed(
      await nimbus('ps:scale', '-a', 'shop', 'worker=3'),
      'worker is autoscaled (1–4 instances): `nimbus autoscale:off -a shop worker` first, or change its bounds with autoscale:set',
    );
  });

  it('should refuse bad flags before sending anything, and pass on what the API refuses', async () => {
    failed(
      await nimbus('autoscale:set', '-a', 'shop', 'web', '--min', '1', '--max', '3', '--up-policy', 'pods=4'),
      '--up-policy: "pods=4" is not TYPE=VALUE/PERIOD, such as pods=4/15s or percent=100/15s',
    );
    failed(await nimbus('autoscale:set', '-a', 'shop', 'web', '--max', '3'), 'give both --min and --max');
    failed(
      await nimbus('autoscale:set', '-a', 'shop', 'worker', '--min', '0', '--max', '3'),
      'only web scales to zero (requests wake it); use min 1 for worker',
    );
    failed(
      await nimbus('autoscale:set', '-a', 'shop', 'clock', '--min', '1', '--max', '3'),
      'shop has no process type clock; its types: web, worker',
    );
    expect((await autoscaler('worker'))?.minReplicas).toBe(1);
  });

  it('should turn autoscaling off, giving an idle type one instance back', async () => {
    expect(await nimbus('autoscale:off', '-a', 'shop', 'web')).toEqual({
      status: 0,
      stdout: 'web of shop is no longer autoscaled; it keeps 1 instance (change with ps:scale)\n',
      stderr: '',
    });
    expect(await autoscaler('web')).toBeNull();
    failed(await nimbus('autoscale:off', '-a', 'shop', 'web'), 'web of shop is not autoscaled');
  });

  it("should not show another tenant's autoscalers", async () => {
    failed(await cli(strangerToken)('autoscale', '-a', 'acme/prod/shop'), 'tenant "acme" not found');
    failed(
      await cli(strangerToken)('autoscale:off', '-a', 'acme/prod/shop', 'worker'),
      'tenant "acme" not found',
    );
    expect(await autoscaler('worker')).not.toBeNull();
  });
});
