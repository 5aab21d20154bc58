import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  createTestCertificateAuthority,
  run,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from '@nimbus/testing';
import { inspectCertificate, type CertificateCheck } from './index';

const DAY_MS = 86_400_000;

/** The refusal, failing the test with what was accepted when it was not refused. */
function refusal(check: CertificateCheck): { input: string; reason: string } {
  if (check.ok) throw new Error(`accepted: ${JSON.stringify(check.facts)}`);
  return { input: check.input, reason: check.reason };
}

function accepted(check: CertificateCheck) {
  if (!check.ok) throw new Error(`refused: ${check.reason}`);
  return check;
}

// openssl is spawned a few times per certificate; RSA key generation is the slow part.
jest.setTimeout(60_000);

describe(inspectCertificate.name, () => {
  let authority: TestCertificateAuthority;
  let site: IssuedCertificate;

  beforeAll(async () => {
    authority = await createTestCertificateAuthority('Inspect Test CA');
    site = await authority.issue({
      commonName: 'www.example.test',
      altNames: ['www.example.test', '*.Example.test', 'WWW.example.test'],
      notBefore: new Date('2026-01-02T03:04:05Z'),
      notAfter: new Date(Date.now() + 30 * DAY_MS),
    });
  });
  afterAll(() => authority.remove());

  it('should read names, dates, parties and fingerprint of a leaf and its chain', async () => {
    const { facts } = accepted(inspectCertificate(site.chainPem, site.keyPem));

    expect(facts.hostnames).toEqual(['www.example.test', '*.example.test']);
    expect(facts.subject).toBe('O=Nimbus tests, CN=www.example.test');
    expect(facts.issuer).toBe('O=Nimbus tests, CN=Inspect Test CA');
    expect(facts.notBefore.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(Math.abs(facts.notAfter.getTime() - (Date.now() + 30 * DAY_MS))).toBeLessThan(60_000);
    // openssl's own fingerprint, so the two cannot agree by sharing a mistake.
    const openssl = await run('openssl', [
      'x509',
      '-noout',
      '-fingerprint',
      '-sha256',
      '-in',
      site.chainFile,
    ]);
    expect(facts.fingerprint).toBe(openssl.trim().split('=')[1]!.replace(/:/g, '').toLowerCase());
    expect(facts.chainPem).toBe(site.certificatePem + authority.certificatePem);
  });

  it('should give the key back as one unencrypted PKCS#8 block, and never inside the facts', () => {
    const check = accepted(inspectCertificate(site.chainPem, site.keyPem.replace(/\n/g, '\r\n')));

    expect(check.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[^-]+-----END PRIVATE KEY-----\n$/);
    expect(createPrivateKey(check.keyPem).equals(createPrivateKey(site.keyPem))).toBe(true);
    expect(JSON.stringify(check.facts)).not.toContain('PRIVATE KEY');
  });

  it('should drop what lies between the blocks of a chain', () => {
    const annotated = `subject=CN = www.example.test\n${site.certificatePem}\nissuer=CN = Inspect Test CA\n${authority.certificatePem}`;

    expect(accepted(inspectCertificate(annotated, site.keyPem)).facts.chainPem).toBe(site.chainPem);
  });

  it('should take the common name only when there are no alternative names', async () => {
    const commonOnly = await authority.issue({ commonName: 'Legacy.Example.test', keyType: 'rsa' });
    const both = await authority.issue({
      commonName: 'ignored.example.test',
      altNames: ['api.example.test'],
    });

    expect(accepted(inspectCertificate(commonOnly.chainPem, commonOnly.keyPem)).facts.hostnames).toEqual([
      'legacy.example.test',
    ]);
    expect(accepted(inspectCertificate(both.chainPem, both.keyPem)).facts.hostnames).toEqual([
      'api.example.test',
    ]);
  });

  it('should refuse a certificate that names no host', async () => {
    const noName = await authority.issue({});
    const notAHost = await authority.issue({ commonName: 'Billing Service' });

    for (const certificate of [noName, notAHost]) {
      expect(refusal(inspectCertificate(certificate.chainPem, certificate.keyPem))).toEqual({
        input: 'certificate',
        reason: 'the certificate names no host',
      });
    }
  });

  it("should refuse another certificate's key, of the same type or not", async () => {
    const other = await authority.issue({ altNames: ['other.example.test'] });
    const rsa = await authority.issue({ altNames: ['rsa.example.test'], keyType: 'rsa' });

    for (const key of [other.keyPem, rsa.keyPem]) {
      expect(refusal(inspectCertificate(site.chainPem, key))).toEqual({
        input: 'key',
        reason: "the key is not the certificate's",
      });
    }
  });

  it('should refuse an encrypted key, in PKCS#8 or the legacy form, asking for it without passphrase', async () => {
    const encrypted = await authority.issue({ altNames: ['locked.example.test'], passphrase: 'hunter2' });
    const legacyFile = join(authority.directory, 'legacy-encrypted.key');
    await run('openssl', [
      'pkey',
      '-in',
      encrypted.keyFile,
      '-passin',
      'pass:hunter2',
      '-traditional',
      '-aes128',
      '-passout',
      'pass:hunter2',
      '-out',
      legacyFile,
    ]);
    const legacy = await readFile(legacyFile, 'utf8');
    expect(encrypted.keyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(legacy).toContain('Proc-Type: 4,ENCRYPTED');

    for (const key of [encrypted.keyPem, legacy]) {
      expect(refusal(inspectCertificate(encrypted.chainPem, key))).toEqual({
        input: 'key',
        reason: 'the key is encrypted: give it without a passphrase',
      });
    }
  });

  it('should refuse a key file that holds no private key', () => {
    for (const key of ['', 'hello', site.certificatePem]) {
      expect(refusal(inspectCertificate(site.chainPem, key))).toEqual({
        input: 'key',
        reason: 'the key file holds no PEM private key',
      });
    }
  });

  it('should refuse a certificate file that holds no certificate, or a broken one', () => {
    expect(refusal(inspectCertificate(site.keyPem, site.keyPem))).toEqual({
      input: 'certificate',
      reason: 'the certificate file holds no PEM certificate',
    });
    const broken = site.certificatePem.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA');
    expect(refusal(inspectCertificate(broken, site.keyPem))).toEqual({
      input: 'certificate',
      reason: 'the certificate file holds a block that is not a certificate',
    });
  });

  it('should refuse an expired certificate, and one that has expired by the time given', async () => {
    const expired = await authority.issue({
      altNames: ['old.example.test'],
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2020-02-01T00:00:00Z'),
    });

    expect(refusal(inspectCertificate(expired.chainPem, expired.keyPem))).toEqual({
      input: 'certificate',
      reason: 'the certificate expired on 2020-02-01T00:00:00.000Z',
    });
    const { notAfter } = accepted(inspectCertificate(site.chainPem, site.keyPem)).facts;
    expect(inspectCertificate(site.chainPem, site.keyPem, new Date(notAfter.getTime() - 1000)).ok).toBe(true);
    expect(refusal(inspectCertificate(site.chainPem, site.keyPem, notAfter)).input).toBe('certificate');
  });
});
