import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';
import { runNimbus } from './support/nimbus-cli';

const JOIN_TOKEN = randomBytes(24).toString('hex');

jest.setTimeout(60_000);

describe('nimbus metrics', () => {
  let gateway: TestGateway;
  let home: string;
  let token: string;

  const nimbus = (...args: string[]) => runNimbus({ home, api: gateway.url, token }, args);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-metrics-'));
    gateway = await startTestGateway({ NIMBUS_NODE_JOIN_TOKEN: JOIN_TOKEN });
    token = (await seedTenant(gateway, 'acme', { prod: ['shop'] })).ownerToken;
    const registered = await fetch(`${gateway.url}/v1/agent/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${JOIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'node-a',
        address: '127.0.0.1',
        capacity: { cpuMillis: 4000, memoryMb: 8192 },
        runtimes: ['process'],
      }),
    });
    const node = (await registered.json()) as { id: string; token: string };
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'shop' } });
    await gateway.db.formation.create({
      data: { tenantId: app.tenantId, appId: app.id, processType: 'web', replicas: 1 },
    });
    const instance = await gateway.db.instance.create({
      data: {
        tenantId: app.tenantId,
        appId: app.id,
        namespaceId: app.namespaceId,
        processType: 'web',
        releaseVersion: 1,
        cpuMillis: 250,
        memoryMb: 256,
        nodeId: node.id,
        phase: 'running',
        ready: true,
      },
    });
    // CPU climbing from 20% to 60% of the request over five seconds, well inside the window.
    const now = Date.now();
    for (let step = 0; step < 5; step++) {
      const response = await fetch(`${gateway.url}/v1/agent/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          at: now - (8 - step) * 1000,
          samples: [
            { instanceId: instance.id, cpu: 0.2 + step * 0.1, memoryBytes: 64 * 1_048_576, ready: true },
          ],
        }),
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await gateway.close();
    await rm(home, { recursive: true, force: true });
  });

  it('should print per process type the latest value, min, avg and max of each series', async () => {
    const result = await nimbus('metrics', '-a', 'acme/prod/shop', '--window', '1m');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('shop, the last 1m in 1s steps');
    expect(result.stdout).toContain('web: 1 replica, 1 ready');
    expect(result.stdout).toMatch(/^cpu %\s+60\s+20\s+40\s+60\s+\S+/m);
    expect(result.stdout).toMatch(/^memory MB\s+64\s+64\s+64\s+64\s/m);
    // No router reported: the traffic rows say so rather than showing zeros.
    expect(result.stdout).toMatch(/^req\/s\s+-\s+-\s+-\s+-$/m);
  });

  it('should print the API response with --json', async () => {
    const result = await nimbus('metrics', '-a', 'acme/prod/shop', '--json');
    expect(result.status).toBe(0);
    const parsed = JSON.parse(result.stdout) as { window: string; processTypes: { type: string }[] };
    expect(parsed.window).toBe('15m');
    expect(parsed.processTypes.map((type) => type.type)).toEqual(['web']);
  });

  it('should fail with one error line for a window out of range', async () => {
    const result = await nimbus('metrics', '-a', 'acme/prod/shop', '--window', '3h');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: [^\n]*from 1m to 1h[^\n]*\n$/);
  });
});
