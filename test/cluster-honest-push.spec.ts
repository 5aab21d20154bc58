import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApp } from './support/apps';
import { TestCluster } from './support/cluster';
import { namespaceCalls } from './support/namespace-calls';

/** A web process whose command does not exist: the shell says so and exits 127. */
const NOT_FOUND = { Procfile: 'web: nosuchcommand\n' };

/** app.json's startup check: short waits keep the test quick; `content` must be in the body. */
const checked = (attempts: number) =>
  JSON.stringify({
    healthchecks: {
      web: [{ type: 'startup', path: '/health', content: 'good', attempts, wait: 1, initialDelay: 1 }],
    },
  });
/** A node app's first start in a fresh container can take longer than three checks a second apart. */
const CHECKED = checked(10);
/** Fails fast: the 404 is the answer from the first attempt on. */
const CHECKED_FAST = checked(3);

/** Serves, but its startup check path answers 404. */
const HEALTH_404 = {
  'app.json': CHECKED_FAST,
  Procfile:
    "web: node -e \"require('http').createServer((q,s)=>{s.statusCode=q.url==='/health'?404:200;s.end('good')}).listen(process.env.PORT)\"\n",
};

const WORKER = (tag: string) => ({
  Procfile: `worker: node -e "console.log('working ${tag}'); setInterval(() => {}, 1000)"\n`,
});

describe('honest pushes', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const { api, at, ps, events, releases, push } = namespaceCalls(
    () => ({ cluster, token, work }),
    'acme',
    'prod',
  );
  const answer = async (app: string) => {
    const response = await cluster.get(cluster.hostOf(app, 'prod', 'acme'));
    return response.status === 200
      ? { status: 200, version: (JSON.parse(response.body) as { version?: string }).version }
      : { status: response.status, body: response.body };
  };
  /** The routers learn of new instances just after the push ends. */
  const served = (app: string, version: string) =>
    cluster.until(`${app} to serve ${version}`, async () => (await answer(app)).version === version);

  beforeAll(async () => {
    cluster = await TestCluster.start({
      // Long enough that only the crash rule can fail these rollouts in time.
      orchestratorEnv: { NIMBUS_PROGRESS_DEADLINE: '60s', NIMBUS_ROLLOUT_MAX_RESTARTS: '2' },
      gatewayEnv: { NIMBUS_PUSH_LAUNCH_WAIT: '45s' },
    });
    await cluster.addOrchestrator();
    await cluster.addAgent('node-a');
    work = await mkdtemp(join(tmpdir(), 'nimbus-honest-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: ['crashy', 'checked', 'jobs'] }));
    await api().POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
      params: { path: { tenant: 'acme', namespace: 'prod' } },
      body: { name: 'crashy-oci', runtime: 'oci' },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it.each(['crashy', 'crashy-oci'])(
    'should reject a push whose release crash-loops, with its exit and last words, keeping the previous release serving (%s)',
    async (app) => {
      expect((await push(app, webApp('v1'))).code).toBe(0);
      await served(app, 'v1');

      const broken = await push(app, NOT_FOUND);
      expect(broken.code).not.toBe(0);
      expect(broken.output).toMatch(
        /remote: {2}! {5}v2 failed: web crashed: exit 127, `.*nosuchcommand.*not found`/,
      );
      expect(broken.output).toContain('[remote rejected] main -> main (pre-receive hook declined)');
      expect(await answer(app)).toEqual({ status: 200, version: 'v1' });

      // Rolled back at once, not at the progress deadline, with an event naming the cause.
      const [latest] = await releases(app);
      expect(latest).toMatchObject({ version: 3 });
      expect(latest!.description).toMatch(/^Rollback to v1 \(v2 failed: web crashed: exit 127, `/);
      expect((await events(app)).find((event) => event.reason === 'RolloutFailed')?.message).toMatch(
        /v2 failed: web crashed: exit 127.*; rolled back to v1 as v3/,
      );
      await cluster.until('the rollback release to serve', async () => {
        const state = await ps(app);
        return state.instances.length === 1 && state.instances[0]!.release === 3 && state.instances[0]!.ready;
      });
      expect(await answer(app)).toEqual({ status: 200, version: 'v1' });
    },
    90_000,
  );

  it('should gate a release on its startup check and reject the push when the check answers 404', async () => {
    const good = await push('checked', webApp('good', { 'app.json': CHECKED }));
    expect(good.code).toBe(0);
    expect(good.output).toContain('done: 1 web instance(s) of v1 ready');
    await served('checked', 'good');

    const bad = await push('checked', HEALTH_404);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/v2 failed: web failed its health check: health check \/health answered 404/);
    // Never ready, so never routed: the old release answered throughout and still does.
    expect(await answer('checked')).toEqual({ status: 200, version: 'good' });
    const v2 = await cluster.gateway.db.instance.findMany({
      where: { app: { name: 'checked' }, releaseVersion: 2 },
    });
    expect(v2.length).toBeGreaterThan(0);
    expect(v2.every((instance) => instance.readyAt === null)).toBe(true);
    expect(v2[0]!.lastFailure).toBe('health check /health answered 404');
  }, 90_000);

  it('should not wait for a web instance an app without `web` never has', async () => {
    const first = await push('jobs', WORKER('1'));
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/nothing to start: worker=0/);

    const scaled = await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path: at('jobs') },
      body: { updates: [{ type: 'worker', replicas: 1 }] },
    });
    expect(scaled.response.ok).toBe(true);
    await cluster.until('a worker of v1', async () => (await ps('jobs')).instances.some((i) => i.ready));

    const second = await push('jobs', WORKER('2'));
    expect(second.code).toBe(0);
    expect(second.output).toContain('worker: 1 instance running');
    expect(second.output).not.toMatch(/web/);
    expect((await ps('jobs')).instances.some((i) => i.release === 2 && i.type === 'worker')).toBe(true);

    const crashing = await push('jobs', { Procfile: 'worker: node -e "process.exit(3)"\n' });
    expect(crashing.code).not.toBe(0);
    expect(crashing.output).toMatch(/v3 failed: worker crashed: exit 3/);
  }, 120_000);
});
