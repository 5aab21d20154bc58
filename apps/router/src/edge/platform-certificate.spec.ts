import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preparePlatformCertificate } from './platform-certificate';

describe(preparePlatformCertificate.name, () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'nimbus-platform-cert-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should make a self-signed certificate for the domain and its names when none is given', async () => {
    const made = await preparePlatformCertificate(
      { certFile: undefined, keyFile: undefined, domain: 'apps.test' },
      dir,
    );
    expect(made.selfSigned).toBe(true);
    const pem = await readFile(made.path, 'utf8');
    expect(pem).toContain('-----BEGIN PRIVATE KEY-----');
    const certificate = new X509Certificate(pem);
    expect(certificate.subjectAltName).toBe('DNS:*.apps.test, DNS:apps.test');
    expect(new Date(made.notAfter).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    // The key is in it: for the router's eyes only.
    expect((await stat(made.path)).mode & 0o777).toBe(0o600);
  });

  it('should refuse a file that holds no certificate, saying which variable', async () => {
    await writeFile(join(dir, 'empty.pem'), 'nothing here\n');
    await expect(
      preparePlatformCertificate(
        { certFile: join(dir, 'empty.pem'), keyFile: join(dir, 'empty.pem'), domain: 'x.test' },
        dir,
      ),
    ).rejects.toMatchObject({ problems: ['NIMBUS_TLS_CERT: the certificate file holds no PEM certificate'] });
  });
});
