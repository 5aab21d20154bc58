import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { readWake, wakeSubscriptions, type Wake } from '@nimbus/cluster';
import { seedTenant, testEnvironment } from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const JOIN_TOKEN = randomBytes(24).toString('hex');
const PATH = { tenant: 'acme', namespace: 'prod', app: 'shop' };

interface Sample {
  instanceId: string;
  cpu: number;
  memoryBytes: number;
  ready: boolean;
}

describe('metrics', () => {
  let gateway: TestGateway;
  let ownerToken: string;
  let outsiderToken: string;
  let nodeA: string;
  let nodeB: string;
  let nodeAId: string;
  let subscriber: Redis;
  const wakes: Wake[] = [];
  /** acme/prod/shop's instances: web and worker on node A, another web on node B. */
  const ids = { webA: '', workerA: '', webB: '' };

  async function register(name: string): Promise<{ id: string; token: string }> {
    const response = await fetch(`${gateway.url}/v1/agent/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${JOIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        address: '127.0.0.1',
        capacity: { cpuMillis: 4000, memoryMb: 8192 },
        runtimes: ['process'],
      }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; token: string };
  }

  function post(token: string | null, body: unknown): Promise<Response> {
    return fetch(`${gateway.url}/v1/agent/metrics`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  function metrics(token: string, window?: string, path = PATH) {
    return gateway.client(token).GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/metrics', {
      params: { path, query: window === undefined ? {} : { window } },
    });
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ NIMBUS_NODE_JOIN_TOKEN: JOIN_TOKEN });
    ownerToken = (await seedTenant(gateway, 'acme', { prod: ['shop'] })).ownerToken;
    outsiderToken = (await seedTenant(gateway, 'globex', { prod: ['shop'] })).ownerToken;
    const a = await register('node-a');
    const b = await register('node-b');
    nodeA = a.token;
    nodeAId = a.id;
    subscriber = new Redis(testEnvironment().TEST_REDIS_URL);
    const prefix = gateway.env.NIMBUS_REDIS_PREFIX;
    subscriber.on('message', (channel: string, message: string) => {
      const wake = readWake(prefix, channel, message);
      if (wake) wakes.push(wake);
    });
    await subscriber.subscribe(wakeSubscriptions.orchestrator(prefix));
    nodeB = b.token;
    const app = await gateway.db.app.findFirstOrThrow({ where: { name: 'shop', tenant: { name: 'acme' } } });
    const owner = { tenantId: app.tenantId, appId: app.id };
    await gateway.db.formation.createMany({
      data: [
        { ...owner, processType: 'web', replicas: 2 },
        { ...owner, processType: 'worker', replicas: 1 },
      ],
    });
    const instance = async (processType: string, nodeId: string, ready: boolean) =>
      (
        await gateway.db.instance.create({
          data: {
            ...owner,
            namespaceId: app.namespaceId,
            processType,
            releaseVersion: 1,
            cpuMillis: 250,
            memoryMb: 256,
            nodeId,
            phase: 'running',
            ready,
          },
        })
      ).id;
    ids.webA = await instance('web', a.id, true);
    ids.workerA = await instance('worker', a.id, false);
    ids.webB = await instance('web', b.id, true);
  });
  afterAll(async () => {
    subscriber.disconnect();
    await gateway.close();
  });

  describe('POST /v1/agent/metrics', () => {
    const sample = (instanceId: string, cpu: number): Sample => ({
      instanceId,
      cpu,
      memoryBytes: 100 * 1_048_576,
      ready: true,
    });

    it("should record the node's own instances and drop another node's and unknown ones", async () => {
      const response = await post(nodeA, {
        at: Date.now(),
        samples: [
          sample(ids.webA, 0.5),
          sample(ids.workerA, 0.1),
          sample(ids.webB, 0.9),
          sample(randomUUID(), 1),
        ],
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ recorded: 2 });
    });

    it('should tell the orchestrator that fresh metrics arrived, so its autoscaler need not wait', async () => {
      // A wake-up of an earlier post may still be on its way: start once none has come for a while.
      for (let seen = -1; seen !== wakes.length;) {
        seen = wakes.length;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      wakes.length = 0;
      const fresh = { to: 'orchestrator', changed: { kind: 'metrics', id: nodeAId } };
      expect((await post(nodeA, { at: Date.now(), samples: [sample(ids.webA, 0.4)] })).status).toBe(200);
      for (let tries = 0; tries < 50 && !wakes.length; tries++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(wakes).toEqual([fresh]);

      // Nothing of its own recorded: nothing to look at.
      expect((await post(nodeA, { at: Date.now(), samples: [sample(ids.webB, 0.4)] })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(wakes).toEqual([fresh]);
    });

    it('should refuse a caller without a node credential', async () => {
      expect((await post(null, { at: Date.now(), samples: [] })).status).toBe(401);
      expect((await post(ownerToken, { at: Date.now(), samples: [] })).status).toBe(401);
    });

    it('should refuse a malformed or oversized batch', async () => {
      expect((await post(nodeA, { at: Date.now(), samples: [{ instanceId: 'x', cpu: 1 }] })).status).toBe(
        400,
      );
      const many = Array.from({ length: 2001 }, () => sample(randomUUID(), 0));
      expect((await post(nodeA, { at: Date.now(), samples: many })).status).toBe(400);
    });
  });

  describe('GET …/apps/{app}/metrics', () => {
    /** The seconds (ms since the epoch) given history. */
    const seconds: number[] = [];

    beforeAll(async () => {
      // Five seconds of history, old enough to be in the window (the last two seconds are not).
      const now = Date.now();
      for (let ago = 8; ago >= 4; ago--) {
        const at = now - ago * 1000;
        seconds.push(Math.floor(at / 1000) * 1000);
        await post(nodeA, {
          at,
          samples: [
            { instanceId: ids.webA, cpu: 0.5, memoryBytes: 100 * 1_048_576, ready: true },
            { instanceId: ids.workerA, cpu: 0.25, memoryBytes: 50 * 1_048_576, ready: false },
          ],
        });
        await post(nodeB, {
          at,
          samples: [{ instanceId: ids.webB, cpu: 1, memoryBytes: 200 * 1_048_576, ready: true }],
        });
      }
    });

    it('should give per process type the formation, ready instances and series', async () => {
      const { data, response } = await metrics(ownerToken, '1m');
      expect(response.status).toBe(200);
      expect(data!.stepSeconds).toBe(1);
      expect(data!.at).toHaveLength(60);
      expect(data!.processTypes.map((type) => [type.type, type.replicas, type.ready])).toEqual([
        ['web', 2, 2],
        ['worker', 1, 0],
      ]);
      const [web, worker] = data!.processTypes;
      const steps = seconds.map((second) => data!.at.indexOf(second));
      expect(steps).not.toContain(-1);
      const at = <T>(values: (T | null)[]) => steps.map((step) => values[step]);
      // The web instances' mean: (50% + 100%) / 2; their memory summed.
      expect(at(web!.series.cpuPercent)).toEqual([75, 75, 75, 75, 75]);
      expect(at(web!.series.memoryMb)).toEqual([300, 300, 300, 300, 300]);
      expect(at(web!.series.instances)).toEqual([2, 2, 2, 2, 2]);
      expect(at(web!.series.ready)).toEqual([2, 2, 2, 2, 2]);
      expect(web!.series.rps).toHaveLength(60);
      expect(at(worker!.series.cpuPercent)).toEqual([25, 25, 25, 25, 25]);
      expect(at(worker!.series.ready)).toEqual([0, 0, 0, 0, 0]);
      expect(worker!.series.rps).toEqual([]);
      // Seconds nobody reported in are no data, not zero.
      expect(worker!.series.cpuPercent[0]).toBeNull();
    });

    it('should default to a 15 minute window in at most 120 steps', async () => {
      const { data } = await metrics(ownerToken);
      expect(data!.window).toBe('15m');
      expect(data!.stepSeconds).toBe(10);
      expect(data!.at).toHaveLength(90);
      expect(new Date(data!.to).getTime() - new Date(data!.from).getTime()).toBe(900_000);
    });

    it.each(['30s', '2h', '15', 'abc', '1d'])(
      'should refuse window=%s with a 400 that says why',
      async (window) => {
        const { error, response } = await metrics(ownerToken, window);
        expect(response.status).toBe(400);
        expect(JSON.stringify(error)).toContain('from 1m to 1h');
      },
    );

    it("should not show an app of another tenant's", async () => {
      const { response } = await metrics(outsiderToken, '5m');
      expect(response.status).toBe(404);
      // The outsider's own app of the same name has none of acme's figures.
      const own = await metrics(outsiderToken, '5m', { ...PATH, tenant: 'globex' });
      expect(own.response.status).toBe(200);
      expect(own.data!.processTypes).toEqual([]);
    });
  });
});
