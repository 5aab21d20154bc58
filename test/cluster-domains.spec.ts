import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { git, gitRemote } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';

const CLI = resolve(__dirname, '../apps/cli/dist/main.js');

jest.setTimeout(120_000);

/** An app answers on its custom domains through the router, and stops when one is removed. */
describe('custom domains at the router', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;

  const nimbus = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: {
            HOME: work,
            NIMBUS_CONFIG: join(work, 'config.json'),
            NIMBUS_API: cluster.gateway.url,
            NIMBUS_TOKEN: token,
          },
        },
        (error, stdout, stderr) => done({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const answers = async (host: string, status: number) =>
    cluster.until(`${host} to answer ${status}`, async () => (await cluster.get(host)).status === status);

  beforeAll(async () => {
    cluster = await TestCluster.start();
    await cluster.addAgent('node-a');
    work = await mkdtemp(join(tmpdir(), 'nimbus-domains-'));
    ({ ownerToken: token } = await cluster.seed('acme', { prod: ['web'] }));
    const dir = join(work, 'web');
    await commit(dir, webApp('v1'));
    const pushed = await git(dir, 'push', gitRemote(cluster.gateway.url, token, 'acme/prod/web'), 'main');
    expect(pushed.code).toBe(0);
    await answers(cluster.hostOf('web', 'prod', 'acme'), 200);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('should route a custom domain and a wildcard to the app, and stop once removed', async () => {
    expect((await cluster.get('www.example.test')).status).toBe(404);
    const added = await nimbus('domains:add', 'WWW.example.test', '-a', 'acme/prod/web');
    expect(added).toMatchObject({ status: 0, stdout: expect.stringContaining('Added www.example.test') });
    expect((await nimbus('domains:add', '*.wild.test', '-a', 'acme/prod/web')).status).toBe(0);
    const listed = await nimbus('domains', '-a', 'acme/prod/web');
    expect(listed.stdout).toMatch(/^\*\.wild\.test +/m);
    expect(listed.stdout).toMatch(/^www\.example\.test +/m);

    await answers('www.example.test', 200);
    expect(JSON.parse((await cluster.get('www.example.test:8443')).body)).toMatchObject({ version: 'v1' });
    await answers('shop.wild.test', 200);
    // One level only, as a wildcard certificate would cover.
    expect((await cluster.get('a.b.wild.test')).status).toBe(404);
    expect((await cluster.get('wild.test')).status).toBe(404);

    const removed = await nimbus('domains:remove', 'www.example.test', '-a', 'acme/prod/web');
    expect(removed.stdout).toBe('Removed www.example.test from web\n');
    await answers('www.example.test', 404);
    expect((await cluster.get('shop.wild.test')).status).toBe(200);
    expect((await cluster.get(cluster.hostOf('web', 'prod', 'acme'))).status).toBe(200);
  });

  it('should say in one line why a domain cannot be added', async () => {
    const refused = await nimbus('domains:add', 'web.prod.acme.localhost', '-a', 'acme/prod/web');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: [^\n]*localhost[^\n]*\n$/);
  });
});
