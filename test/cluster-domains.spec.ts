import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificateAuthority, git, gitRemote } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import { TestCluster } from './support/cluster';
import { runNimbus } from './support/nimbus-cli';

const run = promisify(execFile);
const DAY_MS = 24 * 3600 * 1000;

jest.setTimeout(120_000);

/** An app answers on its custom domains through the router, and stops when one is removed. */
describe('custom domains at the router', () => {
  let cluster: TestCluster;
  let work: string;
  let token: string;

  const nimbus = (...args: string[]) => runNimbus({ home: work, api: cluster.gateway.url, token }, args);
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

  it('should serve an app on its custom domain over HTTPS with its own certificate, in HTTP/2, and keep another tenant off the name', async () => {
    const app = ['-a', 'acme/prod/web'];
    const shop = 'shop.example.test';
    expect((await nimbus('domains:add', shop, ...app)).status).toBe(0);
    const authority = await createTestCertificateAuthority();
    const issued = await authority.issue({ altNames: [shop], notAfter: new Date(Date.now() + 20 * DAY_MS) });
    // What a browser trusting the test authority would check the certificate against.
    const trusted = join(work, 'test-ca.pem');
    await writeFile(trusted, authority.certificatePem);
    const added = await nimbus('certs:add', ...app, '--cert', issued.chainFile, '--key', issued.keyFile);
    expect(added).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^Added cert-[0-9a-f]{8} to web: shop\.example\.test; expires /),
    });
    const name = /cert-[0-9a-f]{8}/.exec(added.stdout)![0];

    /** curl as a browser that trusts the test CA: `version status`, or `refused` when it cannot verify. */
    const https = (path = '/') =>
      run('curl', [
        '-sS',
        '--http2',
        '--cacert',
        trusted,
        '--resolve',
        `${shop}:${cluster.routerTlsPort}:127.0.0.1`,
        '-w',
        '\n%{http_version} %{http_code}',
        `https://${shop}:${cluster.routerTlsPort}${path}`,
      ]).then(
        ({ stdout }) => {
          const lines = stdout.split('\n');
          return { body: lines.slice(0, -1).join('\n'), answer: lines.at(-1) };
        },
        () => ({ body: '', answer: 'refused' }),
      );
    await cluster.until('the certificate to be served', async () => (await https()).answer === '2 200');
    expect(JSON.parse((await https()).body)).toMatchObject({ version: 'v1' });

    const listed = await nimbus('certs', ...app);
    expect(listed.stdout).toMatch(
      new RegExp(`^${name} +shop\\.example\\.test +.+\\(in 19 days\\) +shop\\.example\\.test`, 'm'),
    );
    expect(listed.stdout).toContain('HTTP → HTTPS redirect: off');
    // Twenty days from its end: the app is told ahead of time.
    await cluster.until('the expiry warning', async () => {
      const response = await fetch(`${cluster.gateway.url}/v1/tenants/acme/namespaces/prod/apps/web/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const events = (await response.json()) as { reason: string; message: string }[];
      return events.some((event) => event.reason === 'CertificateExpiring' && event.message.includes(name));
    });

    expect((await nimbus('certs:redirect', ...app, 'on')).status).toBe(0);
    await cluster.until(
      'plain HTTP to be redirected',
      async () => (await cluster.get(shop, '/a?b=1')).status === 308,
    );

    // Another tenant: the same name, or a wildcard over it, is refused without a word of whose it is.
    const { ownerToken: rivalToken } = await cluster.seed('rival', { prod: ['web'] });
    for (const hostname of [shop, '*.example.test']) {
      const response = await fetch(
        `${cluster.gateway.url}/v1/tenants/rival/namespaces/prod/apps/web/domains`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${rivalToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ hostname }),
        },
      );
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ status: 409, code: 'domain/unavailable' });
      expect(text).not.toMatch(/acme|web\.prod|prod\/web/);
    }

    expect((await nimbus('certs:remove', ...app, name)).stdout).toBe(`Removed ${name} from web\n`);
    await cluster.until('the certificate to be gone', async () => (await https()).answer === 'refused');
    expect((await nimbus('certs:redirect', ...app, 'off')).status).toBe(0);
    await answers(shop, 200);
    await authority.remove();
  });

  it('should say in one line why a domain cannot be added', async () => {
    const refused = await nimbus('domains:add', 'web.prod.acme.localhost', '-a', 'acme/prod/web');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: [^\n]*localhost[^\n]*\n$/);
  });
});
