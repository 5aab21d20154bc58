import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestCertificateAuthority,
  seedTenant,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from '@nimbus/testing';
import { startTestGateway, type TestGateway } from './support/gateway';
import { runNimbus, type CliResult } from './support/nimbus-cli';

/** Asserts the failure contract: status 1, nothing on stdout, exactly one `error:` line on stderr. */
function failed(result: CliResult, detail: string): void {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(result.stderr).toContain(`error: ${detail}`);
}

/** `formatDate` of the certificate's end, worked out here from the certificate itself. */
const expiryOf = (certificate: IssuedCertificate) =>
  `${new Date(new X509Certificate(certificate.certificatePem).validTo).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const nameOf = (certificate: IssuedCertificate) =>
  `cert-${new X509Certificate(certificate.certificatePem).fingerprint256.replace(/:/g, '').slice(0, 8).toLowerCase()}`;

// Each test spawns several CLI processes and openssl; on a loaded machine that outlasts Jest's default.
jest.setTimeout(60_000);

describe('nimbus certs, certs:add, certs:remove and certs:redirect', () => {
  let gateway: TestGateway;
  let authority: TestCertificateAuthority;
  let home: string;
  let strangerToken: string;
  let nimbus: (...args: string[]) => Promise<CliResult>;
  let wildcard: IssuedCertificate;
  let shopHost: IssuedCertificate;

  const cli =
    (token: string) =>
    (...args: string[]) =>
      runNimbus({ home, api: gateway.url, token }, args);
  const certificateCount = () => gateway.db.certificate.count();

  beforeAll(async () => {
    gateway = await startTestGateway();
    authority = await createTestCertificateAuthority();
    home = await mkdtemp(join(tmpdir(), 'nimbus-cli-certs-'));
    nimbus = cli((await seedTenant(gateway, 'acme', { prod: ['shop'] })).ownerToken);
    strangerToken = (await seedTenant(gateway, 'other')).ownerToken;
    wildcard = await authority.issue({ altNames: ['www.example.test', '*.example.test'] });
    shopHost = await authority.issue({ commonName: 'shop.prod.acme.localhost' });
    expect((await nimbus('target', 'acme/prod')).status).toBe(0);
  });

  afterAll(async () => {
    await gateway.close();
    await authority.remove();
    await rm(home, { recursive: true, force: true });
  });

  it('should say an app has no certificates, and whether it redirects', async () => {
    expect(await nimbus('certs', '-a', 'shop')).toEqual({
      status: 0,
      stdout: 'shop has no certificates.\nHTTP → HTTPS redirect: off\n',
      stderr: '',
    });
  });

  it("should add a certificate, saying when it serves none of the app's hosts yet", async () => {
    expect(
      await nimbus('certs:add', '-a', 'shop', '--cert', wildcard.chainFile, '--key', wildcard.keyFile),
    ).toEqual({
      status: 0,
      stdout:
        `Added ${nameOf(wildcard)} to shop: www.example.test, *.example.test; expires ${expiryOf(wildcard)}\n` +
        "It serves none of shop's hosts yet: add the domain it names with `nimbus domains:add -a shop HOSTNAME`\n",
      stderr: '',
    });
    expect(
      await nimbus(
        'certs:add',
        '-a',
        'acme/prod/shop',
        '--cert',
        shopHost.chainFile,
        '--key',
        shopHost.keyFile,
      ),
    ).toEqual({
      status: 0,
      stdout: `Added ${nameOf(shopHost)} to shop: shop.prod.acme.localhost; expires ${expiryOf(shopHost)}\n`,
      stderr: '',
    });
  });

  it('should list certificates with their expiry and the hosts they serve, then the redirect', async () => {
    expect((await nimbus('domains:add', '-a', 'shop', 'api.example.test')).status).toBe(0);
    await gateway.db.certificate.updateMany({
      where: { name: nameOf(shopHost) },
      data: { notAfter: new Date('2026-01-02T03:04:00Z') },
    });

    const { status, stdout, stderr } = await nimbus('certs', '-a', 'shop');

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +HOSTNAMES +EXPIRES +SERVES$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${nameOf(wildcard)} +www\\.example\\.test, \\*\\.example\\.test +${expiryOf(wildcard)} \\(in 29 days\\) +api\\.example\\.test$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${nameOf(shopHost)} +shop\\.prod\\.acme\\.localhost +2026-01-02 03:04 UTC \\(EXPIRED\\) +shop\\.prod\\.acme\\.localhost$`,
      ),
    );
    expect(lines.slice(3)).toEqual(['HTTP → HTTPS redirect: off']);
  });

  it('should print the certificates and the redirect as JSON, without keys', async () => {
    const result = await nimbus('certs', '-a', 'shop', '--json');

    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('PRIVATE KEY');
    expect(JSON.parse(result.stdout)).toEqual({
      certificates: [
        expect.objectContaining({ name: nameOf(wildcard), serves: ['api.example.test'] }),
        expect.objectContaining({ name: nameOf(shopHost), serves: ['shop.prod.acme.localhost'] }),
      ],
      httpsRedirect: false,
    });
  });

  it('should turn the redirect on and off, and refuse anything else', async () => {
    expect(await nimbus('certs:redirect', '-a', 'shop', 'on')).toEqual({
      status: 0,
      stdout: 'HTTP → HTTPS redirect for shop: on\n',
      stderr: '',
    });
    expect((await nimbus('certs', '-a', 'shop')).stdout).toContain('\nHTTP → HTTPS redirect: on\n');
    expect((await gateway.db.app.findFirstOrThrow({ where: { name: 'shop' } })).httpsRedirect).toBe(true);
    failed(
      await nimbus('certs:redirect', '-a', 'shop', 'yes'),
      "command-argument value 'yes' is invalid for argument 'on|off'. Allowed choices are on, off.",
    );
    expect((await nimbus('certs:redirect', '-a', 'shop', 'off')).stdout).toBe(
      'HTTP → HTTPS redirect for shop: off\n',
    );
  });

  it('should fail in one line on a file it cannot read, sending nothing', async () => {
    const before = await certificateCount();

    failed(
      await nimbus('certs:add', '-a', 'shop', '--cert', join(home, 'missing.pem'), '--key', wildcard.keyFile),
      `cannot read ${join(home, 'missing.pem')}: no such file`,
    );
    failed(
      await nimbus('certs:add', '-a', 'shop', '--cert', wildcard.chainFile, '--key', home),
      `cannot read ${home}: it is a directory`,
    );
    failed(
      await nimbus('certs:add', '-a', 'shop', '--cert', wildcard.chainFile),
      "required option '--key <file>' not specified",
    );
    expect(await certificateCount()).toBe(before);
  });

  it("should pass on the API's refusal in one line", async () => {
    const other = await authority.issue({ altNames: ['other.example.test'] });

    failed(
      await nimbus('certs:add', '-a', 'shop', '--cert', other.chainFile, '--key', wildcard.keyFile),
      "certificate refused: the key is not the certificate's",
    );
    failed(
      await nimbus('certs:add', '-a', 'shop', '--cert', wildcard.chainFile, '--key', wildcard.keyFile),
      `this certificate is already ${nameOf(wildcard)} of shop`,
    );
  });

  it("should not show or remove another tenant's certificates", async () => {
    failed(await cli(strangerToken)('certs', '-a', 'acme/prod/shop'), 'tenant "acme" not found');
    failed(
      await cli(strangerToken)('certs:remove', '-a', 'acme/prod/shop', nameOf(wildcard)),
      'tenant "acme" not found',
    );
    expect(await gateway.db.certificate.count({ where: { name: nameOf(wildcard) } })).toBe(1);
  });

  it('should remove a certificate by name, and say when there is none', async () => {
    expect(await nimbus('certs:remove', '-a', 'shop', nameOf(wildcard))).toEqual({
      status: 0,
      stdout: `Removed ${nameOf(wildcard)} from shop\n`,
      stderr: '',
    });
    failed(
      await nimbus('certs:remove', '-a', 'shop', nameOf(wildcard)),
      `certificate "${nameOf(wildcard)}" not found`,
    );
    expect((await nimbus('certs', '-a', 'shop', '--json')).stdout).not.toContain(nameOf(wildcard));
  });
});
