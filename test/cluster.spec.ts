import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { git, gitRemote } from '../apps/gateway/test/support/git';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';

const LOAD = resolve(__dirname, 'support/load.mjs');

interface LoadReport {
  total: number;
  failed: number;
  failures: unknown[];
  versions: string[];
}

/** Bounded load from a separate process: `rate` requests a second for `seconds`. */
function load(port: number, host: string, rate: number, seconds: number): Promise<LoadReport> {
  return new Promise((done, fail) =>
    execFile(process.execPath, [LOAD, String(port), host, String(rate), String(seconds)], (error, stdout) =>
      error ? fail(error) : done(JSON.parse(stdout) as LoadReport),
    ),
  );
}

describe('running releases', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const host = () => cluster.hostOf('web', 'prod', 'acme');
  const api = () => cluster.gateway.client(token);
  const path = { tenant: 'acme', namespace: 'prod', app: 'web' };
  const ps = async () =>
    (await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', { params: { path } }))
      .data!;

  beforeAll(async () => {
    cluster = await TestCluster.start({ leaseDuration: '4s' });
    await cluster.addAgent('node-a');
    await cluster.addAgent('node-b');
    work = await mkdtemp(join(tmpdir(), 'nimbus-run-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: ['web'] }));
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should serve a pushed app on its router URL, printed by the push', async () => {
    const dir = join(work, 'web');
    await commit(dir, webApp('v1'));
    const push = await git(dir, 'push', gitRemote(cluster.gateway.url, token, 'acme/prod/web'), 'main');
    expect(push.output).toContain('remote: -----> Launching v1...');
    expect(push.output).toContain('remote:        done: 1 web instance(s) of v1 ready');
    expect(push.output).toContain(
      `remote:        http://${host()}:${cluster.routerPort}/ deployed to Nimbus (v1)`,
    );
    expect(push.code).toBe(0);
    await cluster.until('the router to serve v1', async () => (await cluster.get(host())).status === 200);
    expect(JSON.parse((await cluster.get(host())).body)).toMatchObject({ version: 'v1', release: 'v1' });
  });

  it('should spread three instances over two agents, then drain two without a failed request', async () => {
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path },
      body: { updates: [{ type: 'web', replicas: 3 }] },
    });
    await cluster.until(
      'three ready instances',
      async () => (await ps()).instances.filter((i) => i.state === 'up').length === 3,
    );
    const nodes = (await ps()).instances.map((instance) => instance.node);
    expect(new Set(nodes)).toEqual(new Set(['node-a', 'node-b']));

    let failures = 0;
    let requests = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        requests += 1;
        const response = await cluster.get(host()).catch(() => ({ status: 0, body: '' }));
        if (response.status !== 200) failures += 1;
      }
    })();
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path },
      body: { updates: [{ type: 'web', replicas: 1 }] },
    });
    await cluster.until('one instance left', async () => (await ps()).instances.length === 1);
    loading = false;
    await load;
    expect(requests).toBeGreaterThan(20);
    expect(failures).toBe(0);
  });

  it('should roll out a new release, then a config change, under load without a failed request', async () => {
    const dir = join(work, 'web');
    const running = load(cluster.routerPort, host(), 50, 30);
    await new Promise((done) => setTimeout(done, 3000));
    await writeFile(join(dir, 'server.js'), webApp('v2')['server.js'] as string);
    await git(dir, 'commit', '-qam', 'v2');
    const push = await git(dir, 'push', gitRemote(cluster.gateway.url, token, 'acme/prod/web'), 'main');
    expect(push.output).toContain('remote:        done: 1 web instance(s) of v2 ready');
    await new Promise((done) => setTimeout(done, 5000));
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path },
      body: { set: { GREETING: 'hi' } },
    });
    const report = await running;
    expect(report).toMatchObject({ total: 1500, failed: 0 });
    expect(report.versions[0]).toBe('v1@v1');
    expect(report.versions.at(-1)).toBe('v2@v3');
    expect(report.versions).toContain('v2@v2');
  }, 60_000);
});
