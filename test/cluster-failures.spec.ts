import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitRemote } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';

/** An app that starts, then allocates memory until something stops it. */
const HOG = {
  Procfile:
    "web: node -e \"require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT); const a=[]; setInterval(()=>a.push(Buffer.alloc(8<<20,1)),50)\"\n",
};
const CRASHING = { Procfile: 'web: node -e "console.log(\'starting\'); process.exit(1)"\n' };

describe('running releases through failures', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const api = () => cluster.gateway.client(token);
  const at = (app: string) => ({ tenant: 'acme', namespace: 'prod', app });
  const ps = async (app: string) =>
    (
      await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', {
        params: { path: at(app) },
      })
    ).data!;
  const up = async (app: string) => (await ps(app)).instances.filter((i) => i.state === 'up');
  const scale = (app: string, update: { replicas?: number; memoryMb?: number }) =>
    api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path: at(app) },
      body: { updates: [{ type: 'web', ...update }] },
    });
  const push = async (app: string, files: Record<string, string>) => {
    const dir = join(work, app);
    await commit(dir, files);
    return git(dir, 'push', '-f', gitRemote(cluster.gateway.url, token, `acme/prod/${app}`), 'main');
  };
  const events = async (app: string) =>
    (
      await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/events', {
        params: { path: at(app), query: {} },
      })
    ).data!;

  beforeAll(async () => {
    cluster = await TestCluster.start({
      leaseDuration: '4s',
      orchestratorEnv: { NIMBUS_PROGRESS_DEADLINE: '20s' },
      gatewayEnv: { NIMBUS_PUSH_LAUNCH_WAIT: '40s' },
    });
    await cluster.addOrchestrator();
    await cluster.addAgent('node-a');
    await cluster.addAgent('node-b');
    work = await mkdtemp(join(tmpdir(), 'nimbus-failures-'));
    ({ ownerToken: token } = await cluster.seed('acme', {
      prod: ['web', 'crashy', 'rolling', 'steady', 'spread', 'checked', 'drained'],
    }));
    await api().POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
      params: { path: { tenant: 'acme', namespace: 'prod' } },
      body: { name: 'hog', runtime: 'oci' },
    });
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}', {
      params: { path: at('steady') },
      body: { runtime: 'oci' },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should finish a rollout when its orchestrator leader is killed, with no duplicate or orphaned instance', async () => {
    expect((await push('web', webApp('v1'))).code).toBe(0);
    await scale('web', { replicas: 3 });
    await cluster.until('three v1 instances', async () => (await up('web')).length === 3);
    const leader = await cluster.gateway.db.leaderLease.findFirstOrThrow();
    const leading = cluster.orchestrators[Number(leader.holder.split('-').at(-1)) - 1]!;

    const dir = join(work, 'web');
    await commit(dir, webApp('v2'));
    const pushing = git(dir, 'push', gitRemote(cluster.gateway.url, token, 'acme/prod/web'), 'main');
    await cluster.until('the rollout to start', async () =>
      (await ps('web')).instances.some((instance) => instance.release === 2),
    );
    await leading.kill('SIGKILL');
    await pushing;
    await cluster.until(
      'v2 on three instances and nothing else',
      async () => {
        const state = await ps('web');
        return (
          state.instances.length === 3 &&
          state.instances.every((i) => i.release === 2 && i.state === 'up') &&
          state.rollout?.status === 'complete'
        );
      },
      60_000,
    );
    expect((await cluster.gateway.db.leaderLease.findFirstOrThrow()).epoch).toBeGreaterThan(leader.epoch);
    // Each node runs exactly what the control plane says it does: no leftover v1, no extra v2.
    const everWeb = await cluster.gateway.db.instance.findMany({ where: { app: { name: 'web' } } });
    const handles = new Set(
      (
        await Promise.all(
          [...cluster.agents.values()].map(async (agent) => readdir(join(agent.stateDir, 'instances'))),
        )
      ).flat(),
    );
    const running = everWeb.filter((instance) => handles.has(`${instance.id}.json`)).map((i) => i.id);
    expect(running.sort()).toEqual((await ps('web')).instances.map((i) => i.id).sort());
  }, 90_000);

  it('should show a crashing app backing off in ps, with its node unharmed, and reject its push', async () => {
    const first = await push('crashy', CRASHING);
    // Failed at its second crash, not at the deadline, with what it printed last.
    expect(first.output).toMatch(/remote: {2}! {5}v1 failed: web crashed: exit 1, `starting`/);
    expect(first.output).toContain('[remote rejected] main -> main (pre-receive hook declined)');
    expect(first.code).not.toBe(0);
    const [crashed] = (await ps('crashy')).instances;
    expect(crashed).toMatchObject({ state: 'crashed', reason: 'Error', exitCode: 1 });
    expect(crashed!.restarts).toBeGreaterThanOrEqual(2);
    expect(crashed!.message).toMatch(/restarting in \d+s \(back-off\)/);
    expect((await cluster.gateway.db.node.findMany()).every((node) => node.ready)).toBe(true);
  }, 60_000);

  it('should roll back a release that never becomes ready, serving the previous one throughout', async () => {
    const host = cluster.hostOf('rolling', 'prod', 'acme');
    expect((await push('rolling', webApp('good'))).code).toBe(0);
    const broken = await push('rolling', CRASHING);
    expect(broken.output).toMatch(/v2 failed: web crashed: exit 1/);
    expect(broken.code).not.toBe(0);
    await cluster.until('the automatic rollback', async () => {
      const [latest] = (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/releases', {
          params: { path: at('rolling') },
        })
      ).data!;
      return (
        latest?.description.startsWith('Rollback to v1 (v2 failed: web crashed: exit 1, `starting`)') ?? false
      );
    });
    expect((await events('rolling')).map((event) => event.reason)).toContain('RolloutFailed');
    expect(JSON.parse((await cluster.get(host)).body)).toMatchObject({ version: 'good' });
  }, 90_000);

  it('should report an instance killed by its memory limit under the oci runtime', async () => {
    await push('hog', HOG);
    await scale('hog', { memoryMb: 64 });
    await cluster.until(
      'an OOM kill',
      async () => (await ps('hog')).instances.some((instance) => instance.reason === 'OOMKilled'),
      60_000,
    );
  }, 90_000);

  it('should keep oci instances running through an agent restart', async () => {
    expect((await push('steady', webApp('steady'))).code).toBe(0);
    const host = cluster.hostOf('steady', 'prod', 'acme');
    const [before] = await up('steady');
    const agent = cluster.agents.get(before!.node!)!;
    const answer = JSON.parse((await cluster.get(host)).body) as { instance: string };
    await agent.process.kill('SIGTERM');
    expect((await cluster.get(host)).status).toBe(200);
    await agent.process.restart();
    await new Promise((done) => setTimeout(done, 2000));
    const [after] = await up('steady');
    expect(after).toMatchObject({ id: before!.id, restarts: 0, node: before!.node });
    expect(JSON.parse((await cluster.get(host)).body)).toMatchObject({ instance: answer.instance });
  }, 60_000);

  it('should run a killed agent’s instances elsewhere within the lease and ten seconds', async () => {
    expect((await push('spread', webApp('spread'))).code).toBe(0);
    await scale('spread', { replicas: 3 });
    await cluster.until('three instances', async () => (await up('spread')).length === 3);
    const [victim] = await up('spread');
    const agent = cluster.agents.get(victim!.node!)!;
    await agent.process.kill('SIGKILL');
    const host = cluster.hostOf('spread', 'prod', 'acme');
    const elapsed = await cluster.until(
      'replacements on the other node',
      async () => {
        const instances = await up('spread');
        return (
          instances.length === 3 &&
          instances.every((i) => i.node !== agent.name) &&
          (await cluster.get(host)).status === 200
        );
      },
      30_000,
    );
    expect(elapsed).toBeLessThan(4_000 + 10_000);
    // Back, it stops what it ran before: those instances were replaced.
    await agent.process.restart();
    await cluster.until('the old node to hold nothing', async () => {
      const files = await readdir(join(agent.stateDir, 'instances'));
      return !files.some((file) => file.startsWith(victim!.id));
    });
  }, 60_000);

  it('should hold traffic from an instance until the readiness check its app.json declares passes', async () => {
    const NEVER_READY = webApp('unready', {
      'app.json': JSON.stringify({ healthchecks: { web: [{ type: 'startup', path: '/ready' }] } }),
      Procfile:
        "web: node -e \"require('http').createServer((q,s)=>{s.statusCode=q.url==='/ready'?500:200;s.end()}).listen(process.env.PORT)\"\n",
    });
    const pushed = await push('checked', NEVER_READY);
    // Its startup check fails each start (3 attempts, 5 s apart): a rollout failure either way.
    expect(pushed.output).toMatch(
      /v1 (failed|did not become ready within 20s): .*health check \/ready answered 500/,
    );
    expect(pushed.code).not.toBe(0);
    const [instance] = (await ps('checked')).instances;
    expect(instance).toMatchObject({ ready: false });
    expect((await cluster.get(cluster.hostOf('checked', 'prod', 'acme'))).status).toBe(503);
  }, 60_000);

  it('should move a drained node’s instances elsewhere, each replaced before it stops', async () => {
    expect((await push('drained', webApp('drained'))).code).toBe(0);
    await scale('drained', { replicas: 2 });
    await cluster.until('two instances', async () => (await up('drained')).length === 2);
    const [first] = await up('drained');
    const node = first!.node!;
    // As `nimbus nodes:drain` does; the orchestrator's resync picks it up.
    await cluster.gateway.db.node.update({ where: { name: node }, data: { cordoned: true, draining: true } });
    try {
      await cluster.until('no instance left on the drained node', async () => {
        const instances = await up('drained');
        return instances.length === 2 && instances.every((instance) => instance.node !== node);
      });
    } finally {
      await cluster.gateway.db.node.update({
        where: { name: node },
        data: { cordoned: false, draining: false },
      });
    }
  }, 60_000);
});
