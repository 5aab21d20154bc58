import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApp } from './support/apps';
import { TestCluster } from './support/cluster';
import { load } from './support/run-load';
import { namespaceCalls } from './support/namespace-calls';

/** A web app whose handler burns `cpuMs` of CPU, or sleeps `sleepMs` without using any. */
function workApp(version: string, work: { cpuMs?: number; sleepMs?: number }): Record<string, string> {
  const base = webApp(version);
  const handler = `(request, response) => {
  const answer = () => response.end(JSON.stringify({ version: ${JSON.stringify(version)}, release: process.env.NIMBUS_RELEASE }));
  const busyUntil = Date.now() + ${work.cpuMs ?? 0};
  while (Date.now() < busyUntil);
  setTimeout(answer, ${work.sleepMs ?? 0});
}`;
  return {
    ...base,
    'server.js': (base['server.js'] as string).replace(
      /http\.createServer\([\s\S]*?\n\}\);/,
      `http.createServer(${handler});`,
    ),
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** The autoscaler's windows, shortened so that a test sees them pass. */
const SCALE_DOWN_WINDOW_S = 5;

describe('autoscaling', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const context = () => ({ cluster, token, work });
  const acme = namespaceCalls(context, 'acme', 'prod');
  let meterToken: string;
  const meter = namespaceCalls(() => ({ cluster, token: meterToken, work }), 'meter', 'prod');

  const replicasOf = async (app: string, type = 'web') =>
    (await acme.ps(app)).formation.find((f) => f.type === type)?.replicas ?? 0;
  const autoscale = async (app: string, body: Record<string, unknown>) => {
    const { response, error } = await acme.api().PUT(
      '/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/autoscale/{processType}',
      // The body is the API's own schema; the spec keeps its own literals readable.
      { params: { path: { ...acme.at(app), processType: 'web' } }, body: body as never },
    );
    expect({ status: response.status, error }).toEqual({ status: 200, error: undefined });
  };
  const deploy = async (app: string, files: Record<string, string>) => {
    const pushed = await acme.push(app, files);
    expect(pushed.code).toBe(0);
  };
  /** Polls until `check` holds; returns when it first did (ms since the epoch). */
  const whenTrue = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    await cluster.until(what, check, timeoutMs);
    return Date.now();
  };
  const idleAtZero = async (app: string) => {
    const ps = await acme.ps(app);
    const web = ps.formation.find((f) => f.type === 'web');
    return web?.replicas === 0 && web.scaledToZeroAt !== null && ps.instances.length === 0;
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({
      orchestratorEnv: {
        NIMBUS_AUTOSCALE_SYNC_PERIOD: '500ms',
        NIMBUS_AUTOSCALE_CPU_WINDOW: '2s',
        NIMBUS_AUTOSCALE_STABLE_WINDOW: '6s',
        NIMBUS_AUTOSCALE_PANIC_WINDOW: '2s',
        NIMBUS_USAGE_INTERVAL: '1s',
        LOG_LEVEL: 'info',
      },
    });
    await cluster.addAgent('node-a', { LOG_LEVEL: 'info' });
    work = await mkdtemp(join(tmpdir(), 'nimbus-autoscale-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: ['crunch', 'sleepy', 'lazy'] }));
    ({ ownerToken: meterToken } = await cluster.seed('meter', { prod: ['metered'] }));
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should add instances within 3 s of a CPU load step, and remove them after the window', async () => {
    await deploy('crunch', workApp('v1', { cpuMs: 10 }));
    await autoscale('crunch', {
      min: 1,
      max: 4,
      cpu: 50,
      behavior: { scaleDown: { stabilizationWindowSeconds: SCALE_DOWN_WINDOW_S } },
    });
    // 30 requests/s of 10 ms: 0.3 cores on a 250m request, 240% of the 50% target.
    const stepAt = Date.now();
    const running = load(cluster.routerPort, acme.host('crunch'), 30, 10);
    const scaledAt = await whenTrue(
      'crunch to scale up',
      async () => (await replicasOf('crunch')) > 1,
      10_000,
    );
    expect(scaledAt - stepAt).toBeLessThan(3000);
    const report = await running;
    const stoppedAt = Date.now();
    expect(report.failed).toBe(0);
    expect(await replicasOf('crunch')).toBeGreaterThan(1);

    const downAt = await whenTrue('crunch to scale down', async () => (await replicasOf('crunch')) === 1);
    expect(downAt - stoppedAt).toBeGreaterThanOrEqual(SCALE_DOWN_WINDOW_S * 1000);
    const reasons = (await acme.events('crunch')).map((event) => `${event.reason}: ${event.message}`);
    // The recommendation itself may exceed max (the event then adds "limited by max 4").
    expect(reasons).toContainEqual(
      expect.stringMatching(/^AutoscaledUp: web 1 → [2-4]: cpu \d+% of 50% target on 1 ready → \d+/),
    );
    expect(reasons).toContainEqual(expect.stringMatching(/^AutoscaledDown: .*→ 1/));
  }, 60_000);

  it('should scale on concurrency alone, and keep the autoscaled count through a rolling deploy', async () => {
    await deploy('sleepy', workApp('v1', { sleepMs: 400 }));
    await autoscale('sleepy', { min: 1, max: 6, concurrency: 2 });
    // 15 requests/s of 400 ms: 6 in flight, three instances' worth, and no CPU to speak of.
    const running = load(cluster.routerPort, acme.host('sleepy'), 15, 25);
    await whenTrue('sleepy to scale up', async () => (await replicasOf('sleepy')) >= 3, 15_000);
    const scaled = await replicasOf('sleepy');
    const reasons = (await acme.events('sleepy')).filter((event) => event.reason === 'AutoscaledUp');
    expect(reasons.length).toBeGreaterThan(0);
    for (const event of reasons) expect(event.message).toMatch(/^web \d → \d: concurrency /);

    const pushed = await acme.push('sleepy', workApp('v2', { sleepMs: 400 }));
    // The deploy rolls out as many as were autoscaled (the load may have raised one more since),
    // not the one web a release starts with.
    const launched = /remote: {8}done: (\d+) web instance\(s\) of v2 ready/.exec(pushed.output);
    expect(Number(launched?.[1])).toBeGreaterThanOrEqual(scaled);
    const ps = await acme.ps('sleepy');
    expect(ps.formation.find((f) => f.type === 'web')?.replicas).toBeGreaterThanOrEqual(scaled - 1);
    const report = await running;
    expect(report).toMatchObject({ failed: 0 });
    expect(report.versions.at(-1)).toBe('v2@v2');
  }, 90_000);

  it('should go to zero when idle, answer the first request, and a burst of 50 at zero', async () => {
    await deploy('lazy', webApp('v1'));
    await autoscale('lazy', { min: 0, max: 5, concurrency: 10, idleTimeout: '2s' });
    await whenTrue('lazy to go idle at zero', () => idleAtZero('lazy'), 20_000);
    // Several syncs later it is still there: the requests before it went are no demand.
    await sleep(2000);
    expect(await idleAtZero('lazy')).toBe(true);
    const ps = await acme.ps('lazy');
    expect(ps.formation.find((f) => f.type === 'web')?.autoscale).toEqual({ min: 0, max: 5 });

    // Held by the activator until an instance is ready: the test asserts that every request is
    // answered, not how fast a cold start is on a busy machine (bench/ measures that).
    const coldStart = () => cluster.get(acme.host('lazy'), '/', 30_000);
    const first = await coldStart();
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ version: 'v1' });

    await whenTrue('lazy to go idle again', () => idleAtZero('lazy'), 20_000);
    const burst = await Promise.all(Array.from({ length: 50 }, coldStart));
    expect(burst.map((response) => response.status)).toEqual(Array(50).fill(200));
    // 50 in flight at a target of 10: the wake-up raised several instances, not one at a time.
    expect(await replicasOf('lazy')).toBeGreaterThanOrEqual(3);
    const reasons = (await acme.events('lazy')).map((event) => event.reason);
    expect(reasons).toEqual(expect.arrayContaining(['ScaledToZero', 'ScaledFromZero']));
  }, 90_000);

  it('should record instance-seconds and requests as the test produced them, within 5%', async () => {
    const scaleTo = (replicas: number) =>
      meter.api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
        params: { path: meter.at('metered') },
        body: { updates: [{ type: 'web', replicas }] },
      });

    // Instance-seconds as the test sees them: started instances (pending and pulling cost
    // nothing), sampled from before the first deploy until the last one stopped.
    const started = new Set(['up', 'running', 'draining', 'stopping']);
    let observedSeconds = 0;
    let sampling = true;
    const sampler = (async () => {
      let last = Date.now();
      while (sampling) {
        const running = (await meter.ps('metered')).instances.filter(
          (i) => i.kind === 'service' && started.has(i.state),
        ).length;
        const now = Date.now();
        observedSeconds += (running * (now - last)) / 1000;
        last = now;
        await sleep(100);
      }
    })();
    expect((await meter.push('metered', webApp('v1'))).code).toBe(0);
    await scaleTo(2);
    const requests = 300;
    for (let sent = 0; sent < requests; sent += 10)
      await Promise.all(Array.from({ length: 10 }, () => cluster.get(meter.host('metered'))));
    await sleep(15_000);
    await scaleTo(0);
    await cluster.until('metered to stop', async () => (await meter.ps('metered')).instances.length === 0);
    sampling = false;
    await sampler;

    const usage = async () =>
      (
        await meter.api().GET('/v1/tenants/{tenant}/usage', {
          params: { path: { tenant: 'meter' }, query: {} },
        })
      ).data!;
    await cluster.until(
      'the requests to be recorded',
      async () => (await usage()).totals.requests >= requests * 0.95,
      // Requests are counted by the minute, once it is over.
      80_000,
    );
    // A last run of the recorder once the instances stopped more than its 5 s grace ago.
    await sleep(7000);
    const { totals } = await usage();
    expect(Math.abs(totals.requests - requests)).toBeLessThanOrEqual(requests * 0.05);
    const recordedSeconds = totals.instanceHours * 3600;
    expect(Math.abs(recordedSeconds - observedSeconds)).toBeLessThanOrEqual(observedSeconds * 0.05);
  }, 150_000);
});
