import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@nimbus/config';
import { inspectCertificate } from '@nimbus/crypto';

const run = promisify(execFile);

export interface PlatformCertificateSource {
  /** PEM files (certificate then chain; private key); both undefined: a self-signed one is made. */
  certFile: string | undefined;
  keyFile: string | undefined;
  domain: string;
}

export interface PlatformCertificate {
  /** HAProxy's `crt` file: the certificate, its chain and the key, readable by the router only. */
  path: string;
  selfSigned: boolean;
  /** When it expires, for the log. */
  notAfter: string;
}

/**
 * Checks the operator's certificate and key as an app's are checked (`inspectCertificate`: the
 * chain parses, the key is the leaf's and unencrypted, it has not expired) and writes them as one
 * file for HAProxy; without them, makes a self-signed certificate for
 * `*.DOMAIN` and `DOMAIN` with Debian's openssl (no npm package makes X.509 certificates in
 * Node's own crypto), good for trying HTTPS locally.
 */
export async function preparePlatformCertificate(
  source: PlatformCertificateSource,
  dir: string,
): Promise<PlatformCertificate> {
  const path = join(dir, 'platform.pem');
  let chain: string;
  let key: string;
  let selfSigned = false;
  if (source.certFile && source.keyFile) {
    [chain, key] = await Promise.all([
      readFile(source.certFile, 'utf8').catch((error: Error) => {
        throw new ConfigError([`NIMBUS_TLS_CERT: cannot read ${source.certFile}: ${error.message}`]);
      }),
      readFile(source.keyFile, 'utf8').catch((error: Error) => {
        throw new ConfigError([`NIMBUS_TLS_KEY: cannot read ${source.keyFile}: ${error.message}`]);
      }),
    ]);
  } else {
    ({ chain, key } = await selfSignedFor(source.domain, dir));
    selfSigned = true;
  }
  const check = inspectCertificate(chain, key);
  if (!check.ok) {
    throw new ConfigError([
      `${check.input === 'key' ? 'NIMBUS_TLS_KEY' : 'NIMBUS_TLS_CERT'}: ${check.reason}`,
    ]);
  }
  await writeFile(path, `${check.facts.chainPem}${check.keyPem}`, { mode: 0o600 });
  return { path, selfSigned, notAfter: check.facts.notAfter.toISOString() };
}

async function selfSignedFor(domain: string, dir: string): Promise<{ chain: string; key: string }> {
  const [certPath, keyPath] = [join(dir, 'self-signed.crt'), join(dir, 'self-signed.key')];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '365',
    '-subj',
    `/CN=*.${domain}`,
    '-addext',
    `subjectAltName=DNS:*.${domain},DNS:${domain}`,
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  const [chain, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  await Promise.all([rm(certPath), rm(keyPath)]);
  return { chain, key };
}
