import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';
import { namespaceCalls } from './support/namespace-calls';

/** A Procfile app with a worker that only logs, so formations of both types can be watched. */
function withWorker(version: string, appJson: object): Record<string, string> {
  return webApp(version, {
    Procfile: 'web: node server.js\nworker: node -e "setInterval(() => {}, 1000)"\n',
    'app.json': JSON.stringify(appJson),
  });
}

describe('app.json on the first deploy, and submodules', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const { api, at, host, ps, events, push } = namespaceCalls(
    () => ({ cluster, token, work }),
    'acme',
    'prod',
  );
  const replicas = async (app: string) =>
    Object.fromEntries((await ps(app)).formation.map((f) => [f.type, `${f.replicas}:${f.memoryMb}`]));

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nimbus-appjson-'));
    cluster = await TestCluster.start({
      // Local submodules only from under this directory, as an operator would allow a mirror.
      gatewayEnv: { NIMBUS_GIT_SUBMODULE_FILE_ROOT: join(work, 'mirror') },
    });
    await cluster.addAgent('node-a');
    ({ ownerToken: token } = await cluster.seed('acme', { prod: ['formed', 'seeded', 'modular', 'escape'] }));
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("should start app.json's formation on the first deploy and keep a user's scale afterwards", async () => {
    const appJson = { formation: { web: { quantity: 2, size: '128' }, worker: { quantity: 1 } } };
    const first = await push('formed', withWorker('v1', appJson));
    expect(first.code).toBe(0);
    expect(first.output).toContain(
      "app.json formation: web=2:128MB worker=1 (applied on the app's first deploy)",
    );
    expect(await replicas('formed')).toEqual({ web: '2:128', worker: '1:256' });
    await cluster.until('2 web and 1 worker up', async () => {
      const up = (await ps('formed')).instances.filter((i) => i.state === 'up' || i.type === 'worker');
      return up.filter((i) => i.type === 'web').length === 2 && up.some((i) => i.type === 'worker');
    });
    expect((await events('formed')).map((e) => e.message)).toContain(
      'app.json formation applied: web=2:128MB worker=1',
    );

    const scaled = await api().PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
      params: { path: at('formed') },
      body: { updates: [{ type: 'web', replicas: 1 }] },
    });
    expect(scaled.response.status).toBe(200);
    const second = await push('formed', withWorker('v2', appJson));
    expect(second.code).toBe(0);
    expect(await replicas('formed')).toEqual({ web: '1:128', worker: '1:256' });
  }, 180_000);

  it('should run scripts.postdeploy once, after the first deploy only', async () => {
    const appJson = { scripts: { postdeploy: 'echo "seeding for $NIMBUS_RELEASE"' } };
    expect((await push('seeded', webApp('v1', { 'app.json': JSON.stringify(appJson) }))).code).toBe(0);
    await cluster.until('the postdeploy to succeed', async () =>
      (await events('seeded')).some((e) => e.reason === 'PostdeploySucceeded'),
    );
    expect((await push('seeded', webApp('v2', { 'app.json': JSON.stringify(appJson) }))).code).toBe(0);
    await cluster.until('v2 to serve', async () => (await cluster.get(host('seeded'))).body.includes('"v2"'));
    const logs = await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/logs', {
      params: { path: at('seeded'), query: { type: 'postdeploy', num: 100 } },
    });
    const seeded = logs.data!.filter((line) => line.line.includes('seeding for'));
    expect(seeded).toHaveLength(1);
    const reasons = (await events('seeded')).map((e) => e.reason);
    expect(reasons.filter((reason) => reason.startsWith('Postdeploy')).sort()).toEqual([
      'PostdeployStarted',
      'PostdeploySucceeded',
    ]);
  }, 180_000);

  it('should build a submodule from a file:// URL at its recorded commit', async () => {
    const library = join(work, 'mirror', 'library');
    await mkdir(join(work, 'mirror'), { recursive: true });
    await commit(library, { 'greeting.txt': 'old\n' });
    await commit(library, { 'greeting.txt': 'from the submodule\n' });
    const app = join(work, 'modular');
    await commit(app, webApp('v1'));
    await git(
      app,
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'add',
      '-q',
      `file://${library}`,
      'vendor/library',
    );
    // A later commit in the library must not be what is built: the recorded commit is.
    await commit(library, { 'greeting.txt': 'too new\n' });
    const pushed = await push('modular', {
      'server.js': `const http = require('node:http');
const { readFileSync } = require('node:fs');
http.createServer((request, response) => response.end(readFileSync('vendor/library/greeting.txt'))).listen(Number(process.env.PORT));
`,
    });
    expect(pushed.output).toContain('Fetching submodule vendor/library');
    expect(pushed.code).toBe(0);
    await cluster.until('the submodule file to be served', async () =>
      (await cluster.get(host('modular'))).body.includes('from the submodule'),
    );
  }, 180_000);

  it('should reject a push whose submodule points outside the allowed directory, saying why', async () => {
    const outside = join(work, 'outside');
    await commit(outside, { 'secret.txt': 'host file\n' });
    const app = join(work, 'escape');
    await commit(app, webApp('v1'));
    await git(app, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', `file://${outside}`, 'lib');
    const pushed = await push('escape', { 'README.md': 'escape\n' });
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toContain('is outside the directory local submodules may come from');
    expect(
      (
        await api().GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/builds', {
          params: { path: at('escape') },
        })
      ).data,
    ).toEqual([]);
  }, 60_000);
});
