import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { git, gitRemote } from '@nimbus/testing';
import { commit } from './support/apps';
import { TestCluster } from './support/cluster';

const CLI = resolve(__dirname, '../apps/cli/dist/main.js');

interface Report {
  instance: string;
  cwd: string;
  home: string;
  uid: number;
  /** What this instance wrote at start, read back: its own id unless another instance's write reached it. */
  own: string;
  /** Whether the file the release phase wrote is visible: it must not be. */
  releaseMarker: boolean;
}

/**
 * An app that writes a file in its directory at start (the same path in every instance) and
 * reports what it sees; its release phase writes under /app too.
 */
const contractApp = (): Record<string, string> => ({
  'package.json': JSON.stringify({
    name: 'contract',
    version: '1.0.0',
    scripts: { start: 'node server.js' },
  }),
  Procfile:
    'web: node server.js\n' +
    'release: touch /app/from-release && echo "release wrote $(ls /app/from-release)"\n' +
    'console: echo "console with"\n',
  'server.js': `const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const own = path.join(process.env.HOME, 'instance.txt');
fs.writeFileSync(own, process.env.NIMBUS_INSTANCE);
const server = http.createServer((request, response) => {
  response.end(JSON.stringify({
    instance: process.env.NIMBUS_INSTANCE,
    cwd: process.cwd(),
    home: process.env.HOME,
    uid: process.getuid(),
    own: fs.readFileSync(own, 'utf8'),
    releaseMarker: fs.existsSync(path.join(process.cwd(), 'from-release')),
  }));
});
server.keepAliveTimeout = 2000;
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`,
});

describe.each(['oci', 'process'] as const)('the /app contract under the %s runtime', (runtime) => {
  let cluster: TestCluster;
  let work: string;
  let token: string;
  const app = `contract-${runtime}`;
  const at = { tenant: 'acme', namespace: 'prod', app };
  const host = () => cluster.hostOf(app, 'prod', 'acme');
  const report = async (): Promise<Report> => {
    const response = await cluster.get(host());
    expect(response.status).toBe(200);
    return JSON.parse(response.body) as Report;
  };

  beforeAll(async () => {
    cluster = await TestCluster.start({ leaseDuration: '4s' });
    await cluster.addAgent('node-a');
    work = await mkdtemp(join(tmpdir(), 'nimbus-contract-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: [] }));
    const created = await cluster.gateway
      .client(token)
      .POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
        params: { path: { tenant: 'acme', namespace: 'prod' } },
        body: { name: app, runtime },
      });
    expect(created.response.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should run the release phase at /app and keep what it wrote from instances', async () => {
    const dir = join(work, app);
    await commit(dir, contractApp());
    const pushed = await git(dir, 'push', gitRemote(cluster.gateway.url, token, `acme/prod/${app}`), 'main');
    // The whole output on failure: it says why.
    expect(pushed).toMatchObject({
      code: 0,
      output: expect.stringContaining('release wrote /app/from-release'),
    });
    await cluster.until(`${app} to serve`, async () => (await cluster.get(host())).status === 200);

    const seen = await report();
    expect(seen.releaseMarker).toBe(false);
    expect(seen.own).toBe(seen.instance);
    expect(seen.uid).not.toBe(0);
    if (runtime === 'oci') expect(seen).toMatchObject({ cwd: '/app', home: '/app' });
    else expect(seen.home).toBe(seen.cwd);
  }, 120_000);

  it('should give every instance its own writable layer', async () => {
    const scaled = await cluster.gateway
      .client(token)
      .PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/formation', {
        params: { path: at },
        body: { updates: [{ type: 'web', replicas: 2 }] },
      });
    expect(scaled.response.status).toBe(200);
    const instances = new Set<string>();
    await cluster.until('both instances to answer', async () => {
      const seen = await report();
      // Both wrote the same path at start; each must still read its own id back.
      expect(seen.own).toBe(seen.instance);
      instances.add(seen.instance);
      return instances.size === 2;
    });
  }, 60_000);

  /** `nimbus run -a APP -- ARGS…`: its exit status and output. */
  const run = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, [CLI, 'run', '-a', `acme/prod/${app}`, '--', ...args], {
        env: { PATH: process.env.PATH, HOME: work, NIMBUS_API: cluster.gateway.url, NIMBUS_TOKEN: token },
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('close', (code) => done({ code, stdout }));
    });

  it('should run one-offs in a writable app directory of their own', async () => {
    const ran = await run('sh', '-c', 'echo "$PWD $HOME"; test ! -e instance.txt && touch x && echo wrote');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('wrote');
    if (runtime === 'oci') expect(ran.stdout).toContain('/app /app');
  }, 60_000);

  it("should run the Procfile's command when a one-off names its process type", async () => {
    const ran = await run('console', 'arguments', 'appended');
    expect(ran).toEqual({ code: 0, stdout: 'console with arguments appended\n' });
  }, 60_000);
});
