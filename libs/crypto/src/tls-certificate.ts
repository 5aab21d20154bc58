import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import type { SecretLocation } from './tenant-keyring';

/** What a checked certificate says of itself: what `certs` shows and what routers serve. */
export interface CertificateFacts {
  /** Lower-case DNS names it is valid for: its subject alternative names, else its common name. */
  hostnames: string[];
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the leaf's DER, hex. */
  fingerprint: string;
  /** The leaf, then the chain as given, re-encoded as PEM (anything between blocks dropped). */
  chainPem: string;
}

/** Which of the two PEM texts a refusal is about. */
export type CertificateInput = 'certificate' | 'key';

export type CertificateCheck =
  | {
      ok: true;
      facts: CertificateFacts;
      /**
       * The private key re-encoded as one unencrypted PKCS#8 PEM block, whatever form it came in
       * (SEC1 with its parameters block, PKCS#1, CRLF): what is sealed and, later, served. Kept
       * out of `facts`, which may be shown.
       */
      keyPem: string;
    }
  | { ok: false; input: CertificateInput; reason: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
/** PKCS#8 encrypted, or the legacy OpenSSL form with its `Proc-Type` header. */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:\s*4,\s*ENCRYPTED/m;
/** What a common name must look like to be taken as a host name (a CA's "Example CA" is not). */
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Where an app certificate's private key is sealed under its tenant's data key: the gateway seals
 * it there, the control plane opens it there to seal it again for the routers.
 */
export function certificateKeyLocation(tenantId: string, certificateId: string): SecretLocation {
  return { tenantId, scopeId: certificateId, key: 'tls-key' };
}

const refuse = (input: CertificateInput, reason: string): CertificateCheck => ({ ok: false, input, reason });

/**
 * Checks a PEM certificate (leaf first, then its chain) and the leaf's private key, as an operator
 * would before installing them: each block parses, the key is unencrypted and the leaf's, and the
 * leaf has not expired. Nothing is trusted from the files but what they prove.
 */
export function inspectCertificate(
  certificatePem: string,
  keyPem: string,
  now = new Date(),
): CertificateCheck {
  const blocks = certificatePem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return refuse('certificate', 'the certificate file holds no PEM certificate');
  let chain: X509Certificate[];
  try {
    chain = blocks.map((block) => new X509Certificate(block));
  } catch {
    return refuse('certificate', 'the certificate file holds a block that is not a certificate');
  }
  // OpenSSL reports an encrypted key without a passphrase only as "interrupted or cancelled".
  if (ENCRYPTED_KEY.test(keyPem)) return refuse('key', 'the key is encrypted: give it without a passphrase');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return refuse('key', 'the key file holds no PEM private key');
  }
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) return refuse('key', "the key is not the certificate's");
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    return refuse('certificate', `the certificate expired on ${notAfter.toISOString()}`);
  }
  const hostnames = namesOf(leaf);
  if (hostnames.length === 0) return refuse('certificate', 'the certificate names no host');
  return {
    ok: true,
    facts: {
      hostnames,
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      notBefore: new Date(leaf.validFrom),
      notAfter,
      fingerprint: createHash('sha256').update(leaf.raw).digest('hex'),
      chainPem: chain.map((certificate) => certificate.toString()).join(''),
    },
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** DNS subject alternative names; the common name only when there are none (RFC 6125 §6.4.4). */
function namesOf(certificate: X509Certificate): string[] {
  const alternative = (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  if (alternative.length > 0) return [...new Set(alternative)];
  const common = /^CN=(.+)$/m.exec(certificate.subject)?.[1]?.toLowerCase();
  return common && DNS_NAME.test(common) ? [common] : [];
}
