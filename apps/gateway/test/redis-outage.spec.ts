import { spawn, type ChildProcess } from 'node:child_process';
import { seedTenant } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';
import { freePort } from '@nimbus/testing';

/** Redis carries only what can be rebuilt: losing it must not take the API down. */
describe('a Redis outage', () => {
  let redis: ChildProcess;
  let gateway: TestGateway;

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((done) => setTimeout(done, 300));
    gateway = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    if (redis.exitCode === null) redis.kill('SIGKILL');
    await gateway.close();
  });

  it('should keep serving, still enforce revocation, and report itself not ready', async () => {
    const { ownerToken } = await seedTenant(gateway, 'acme', { prod: ['web'] });
    const api = gateway.client(ownerToken);
    const created = await api.POST('/v1/tokens', { body: { name: 'during-outage' } });
    const list = () =>
      fetch(`${gateway.url}/v1/tenants/acme/namespaces/prod/apps`, {
        headers: { Authorization: `Bearer ${created.data!.token}` },
      });
    expect((await list()).status).toBe(200);

    const stopped = new Promise((done) => redis.once('exit', done));
    redis.kill('SIGKILL');
    await stopped;

    expect((await list()).status).toBe(200);
    await api.DELETE('/v1/tokens/{id}', { params: { path: { id: created.data!.id } } });
    expect((await list()).status).toBe(401);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'ok', redis: 'down' } });
  });
});
