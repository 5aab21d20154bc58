import { randomBytes } from 'node:crypto';
import { MAX_REPORTED_IMAGES, type RegisteredNode } from '@nimbus/cluster';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const digest = (fill: string) => `sha256:${fill.repeat(64)}`;

/** The agent's lease renewal, as an agent of today (with a body) or of before (without) sends it. */
describe('node lease renewal', () => {
  const joinToken = randomBytes(24).toString('hex');
  let gateway: TestGateway;
  let node: RegisteredNode;

  const renew = (body?: unknown) =>
    fetch(`${gateway.url}/v1/agent/lease`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${node.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const stored = () => gateway.db.node.findUniqueOrThrow({ where: { id: node.id } });

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_NODE_JOIN_TOKEN: joinToken });
    const registered = await fetch(`${gateway.url}/v1/agent/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${joinToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'node-1',
        address: '127.0.0.1',
        capacity: { cpuMillis: 4000, memoryMb: 8192 },
        runtimes: ['process'],
      }),
    });
    expect(registered.status).toBe(201);
    node = (await registered.json()) as RegisteredNode;
  });
  afterAll(() => gateway.close());

  it('should store the images the node reports, and renew its lease', async () => {
    const before = (await stored()).leaseRenewedAt;

    const response = await renew({ cachedImages: [digest('a'), digest('b')] });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ leaseDurationMs: gateway.config.NIMBUS_NODE_LEASE_DURATION });
    const after = await stored();
    expect(after.cachedImages).toEqual([digest('a'), digest('b')]);
    expect(after.leaseRenewedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });

  it('should replace the list with each report, down to none', async () => {
    await renew({ cachedImages: [digest('c')] });
    expect((await stored()).cachedImages).toEqual([digest('c')]);

    await renew({ cachedImages: [] });
    expect((await stored()).cachedImages).toEqual([]);
  });

  it.each([
    ['no body, as agents before the report', undefined],
    ['a body without the list', {}],
  ])('should renew the lease and keep the last report given %s', async (_, body) => {
    await renew({ cachedImages: [digest('d')] });
    const before = await stored();
    await new Promise((resolve) => setTimeout(resolve, 5));

    const response = await renew(body);

    expect(response.status).toBe(200);
    const after = await stored();
    expect(after.cachedImages).toEqual([digest('d')]);
    expect(after.leaseRenewedAt.getTime()).toBeGreaterThan(before.leaseRenewedAt.getTime());
  });

  it.each([
    ['something that is no digest', { cachedImages: ['latest'] }],
    ['too many images', { cachedImages: Array.from({ length: MAX_REPORTED_IMAGES + 1 }, () => digest('e')) }],
    ['an unknown field', { cachedImages: [], disk: 1 }],
  ])('should refuse %s as problem+json, storing nothing', async (_, body) => {
    await renew({ cachedImages: [digest('f')] });

    const response = await renew(body);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await stored()).cachedImages).toEqual([digest('f')]);
  });

  it('should refuse a renewal without the node credential', async () => {
    const response = await fetch(`${gateway.url}/v1/agent/lease`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cachedImages: [digest('0')] }),
    });

    expect(response.status).toBe(401);
    expect((await stored()).cachedImages).not.toContain(digest('0'));
  });
});
