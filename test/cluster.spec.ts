import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { git, gitRemote } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';
import { load } from './support/run-load';

const CLI = resolve(__dirname, '../apps/cli/dist/main.js');

describe('running releases', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const api = () => cluster.gateway.client(token);
  const at = (app: string) => ({ tenant: 'acme', namespace: 'prod', app });
  const host = (app: string) => cluster.hostOf(app, 'prod', 'acme');
  const ps = async (app: string) =>
    (
      await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', {
        params: { path: at(app) },
      })
    ).data!;
  const scale = (app: string, replicas: number) =>
    api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path: at(app) },
      body: { updates: [{ type: 'web', replicas }] },
    });
  const push = async (app: string, files: Record<string, string>) => {
    const dir = join(work, app);
    await commit(dir, files);
    return git(dir, 'push', gitRemote(cluster.gateway.url, token, `acme/prod/${app}`), 'main');
  };
  /** Deploys `app` and waits until the router serves it. */
  const deploy = async (app: string, version: string) => {
    const pushed = await push(app, webApp(version));
    expect(pushed.code).toBe(0);
    await cluster.until(`${app} to serve`, async () => (await cluster.get(host(app))).status === 200);
  };
  const cli = (...args: string[]) =>
    spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: work, NIMBUS_API: cluster.gateway.url, NIMBUS_TOKEN: token },
    });

  beforeAll(async () => {
    cluster = await TestCluster.start({ leaseDuration: '4s' });
    await cluster.addAgent('node-a');
    await cluster.addAgent('node-b');
    work = await mkdtemp(join(tmpdir(), 'nimbus-run-'));
    ({ ownerToken: token } = await cluster.seed('acme', {
      prod: ['web', 'scaled', 'rolling', 'tools', 'surging'],
    }));
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should serve a pushed app on its router URL, printed by the push', async () => {
    const pushed = await push('web', webApp('v1'));
    expect(pushed.output).toContain('remote: -----> Launching v1...');
    expect(pushed.output).toContain('remote:        done: 1 web instance(s) of v1 ready');
    expect(pushed.output).toContain(
      `remote:        http://${host('web')}:${cluster.routerPort}/ deployed to Nimbus (v1)`,
    );
    expect(pushed.code).toBe(0);
    await cluster.until(
      'the router to serve v1',
      async () => (await cluster.get(host('web'))).status === 200,
    );
    expect(JSON.parse((await cluster.get(host('web'))).body)).toMatchObject({ version: 'v1', release: 'v1' });
  });

  it('should spread three instances over two agents, then drain two without a failed request', async () => {
    await deploy('scaled', 'v1');
    await scale('scaled', 3);
    await cluster.until(
      'three ready instances',
      async () => (await ps('scaled')).instances.filter((i) => i.state === 'up').length === 3,
    );
    const nodes = (await ps('scaled')).instances.map((instance) => instance.node);
    expect(new Set(nodes)).toEqual(new Set(['node-a', 'node-b']));

    let failures = 0;
    let requests = 0;
    let loading = true;
    const running = (async () => {
      while (loading) {
        requests += 1;
        const response = await cluster.get(host('scaled')).catch(() => ({ status: 0, body: '' }));
        if (response.status !== 200) failures += 1;
      }
    })();
    await scale('scaled', 1);
    await cluster.until('one instance left', async () => (await ps('scaled')).instances.length === 1);
    loading = false;
    await running;
    expect(requests).toBeGreaterThan(20);
    expect(failures).toBe(0);
  });

  it('should roll out a new release, then a config change, under load without a failed request', async () => {
    await deploy('rolling', 'v1');
    const running = load(cluster.routerPort, host('rolling'), 50, 30);
    await new Promise((done) => setTimeout(done, 3000));
    const dir = join(work, 'rolling');
    await writeFile(join(dir, 'server.js'), webApp('v2')['server.js'] as string);
    await git(dir, 'commit', '-qam', 'v2');
    const pushed = await git(dir, 'push', gitRemote(cluster.gateway.url, token, 'acme/prod/rolling'), 'main');
    expect(pushed.output).toContain('remote:        done: 1 web instance(s) of v2 ready');
    await new Promise((done) => setTimeout(done, 5000));
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path: at('rolling') },
      body: { set: { GREETING: 'hi' } },
    });
    const report = await running;
    expect(report).toMatchObject({ total: 1500, failed: 0 });
    expect(report.versions[0]).toBe('v1@v1');
    expect(report.versions.at(-1)).toBe('v2@v3');
    expect(report.versions).toContain('v2@v2');
  }, 60_000);

  it('should scale 1 → 3 → 1 and roll out a release under 30 s of load through the edge, with no failed request', async () => {
    await deploy('surging', 'v1');
    const upInstances = async () => (await ps('surging')).instances.filter((i) => i.state === 'up').length;
    const running = load(cluster.routerPort, host('surging'), 60, 30);
    await new Promise((done) => setTimeout(done, 2000));
    await scale('surging', 3);
    await cluster.until('three ready instances', async () => (await upInstances()) === 3, 15_000);
    await new Promise((done) => setTimeout(done, 2000));
    await scale('surging', 1);
    await cluster.until(
      'one instance left',
      async () => (await ps('surging')).instances.length === 1,
      15_000,
    );
    const pushed = await push('surging', webApp('v2'));
    expect(pushed.output).toContain('remote:        done: 1 web instance(s) of v2 ready');
    const report = await running;
    expect(report).toMatchObject({ total: 1800, failed: 0 });
    expect(report.versions[0]).toBe('v1@v1');
    expect(report.versions.at(-1)).toBe('v2@v2');
  }, 60_000);

  it('should show what the app prints in `nimbus logs --tail` within a second', async () => {
    await deploy('tools', 'v1');
    const tail = cli('logs', '-a', 'acme/prod/tools', '--tail', '--num', '1');
    let output = '';
    tail.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await cluster.until('the tail to start', async () => output.length > 0, 10_000);
      const asked = Date.now();
      await cluster.get(host('tools'), '/log');
      await cluster.until(
        'the line in the tail',
        async () => /web\.[0-9a-f]{8}: hello from/.test(output),
        5000,
      );
      expect(Date.now() - asked).toBeLessThan(1000);
    } finally {
      tail.kill('SIGINT');
    }
  });

  it('should run a one-off process with its output attached and return its exit status', async () => {
    await deploy('tools', 'v1');
    await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
      params: { path: at('tools') },
      body: { set: { GREETING: 'hi' } },
    });
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = cli(
        'run',
        '-a',
        'acme/prod/tools',
        '--',
        'node',
        '-e',
        'console.log("one-off", process.env.GREETING); process.exit(3)',
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
    expect(run).toMatchObject({ code: 3, stdout: 'one-off hi\n' });
    // Never routed, and not among the app's processes once over.
    expect((await ps('tools')).instances.every((instance) => instance.kind === 'service')).toBe(true);
  }, 60_000);
});
