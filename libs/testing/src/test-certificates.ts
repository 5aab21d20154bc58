import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, run } from './external-tools';

/** What to put in a leaf certificate; by default valid from an hour ago for 30 days. */
export interface CertificateRequest {
  /** Left out, the subject has an organisation only. */
  commonName?: string;
  /** DNS subject alternative names; none makes a certificate that names its host by CN only. */
  altNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
  keyType?: 'ec' | 'rsa';
  /** Encrypts the key file (PKCS#8, AES-256) with this passphrase. */
  passphrase?: string;
}

export interface IssuedCertificate {
  /** The leaf alone. */
  certificatePem: string;
  /** The leaf, then the authority's certificate: what a server is given. */
  chainPem: string;
  keyPem: string;
  /** The same PEM texts in files, for what reads files (the CLI). */
  chainFile: string;
  keyFile: string;
}

/** A throwaway certificate authority in a temporary directory, issuing through the openssl CLI. */
export interface TestCertificateAuthority {
  certificatePem: string;
  directory: string;
  issue(request: CertificateRequest): Promise<IssuedCertificate>;
  remove(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// `openssl ca` rather than `x509 -req`: only it takes explicit dates, so an expired certificate
// needs no fake clock. Paths are absolute (it reads them from its working directory); policy
// fields not listed would be dropped from the subject.
const caConfig = (directory: string) => `[ca]
default_ca = test
[test]
database = ${join(directory, 'index.txt')}
new_certs_dir = ${join(directory, 'issued')}
serial = ${join(directory, 'serial')}
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
organizationName = optional
commonName = optional
`;

const newKeyArgs = (type: 'ec' | 'rsa') =>
  type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];

/** `openssl ca`'s GeneralizedTime: YYYYMMDDHHMMSSZ. */
const generalizedTime = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

export async function createTestCertificateAuthority(
  name = 'Nimbus Test CA',
): Promise<TestCertificateAuthority> {
  requireTool('openssl', 'openssl');
  const directory = await mkdtemp(join(tmpdir(), 'nimbus-ca-'));
  const file = (name: string) => join(directory, name);
  await writeFile(file('ca.cnf'), caConfig(directory));
  await writeFile(file('index.txt'), '');
  await writeFile(file('serial'), `${randomBytes(8).toString('hex')}\n`);
  await mkdir(file('issued'));
  await run('openssl', [
    'req',
    '-x509',
    ...newKeyArgs('ec'),
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-subj',
    `/O=Nimbus tests/CN=${name}`,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  const certificatePem = await readFile(file('ca.pem'), 'utf8');
  let issued = 0;
  // `openssl ca` keeps its database in files: one issue at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function issueNow(request: CertificateRequest): Promise<IssuedCertificate> {
    const base = file(`leaf-${++issued}`);
    const now = Date.now();
    const subject = `/O=Nimbus tests${request.commonName ? `/CN=${request.commonName}` : ''}`;
    const altNames = request.altNames?.length
      ? ['-addext', `subjectAltName=${request.altNames.map((host) => `DNS:${host}`).join(',')}`]
      : [];
    await run('openssl', [
      'req',
      '-new',
      ...newKeyArgs(request.keyType ?? 'ec'),
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      subject,
      ...altNames,
    ]);
    await run('openssl', [
      'ca',
      '-batch',
      '-notext',
      '-config',
      file('ca.cnf'),
      '-cert',
      file('ca.pem'),
      '-keyfile',
      file('ca.key'),
      '-in',
      `${base}.csr`,
      '-out',
      `${base}.pem`,
      '-startdate',
      generalizedTime(request.notBefore ?? new Date(now - HOUR_MS)),
      '-enddate',
      generalizedTime(request.notAfter ?? new Date(now + 30 * DAY_MS)),
    ]);
    let keyFile = `${base}.key`;
    if (request.passphrase !== undefined) {
      keyFile = `${base}.encrypted.key`;
      await run('openssl', [
        'pkey',
        '-in',
        `${base}.key`,
        '-aes256',
        '-passout',
        `pass:${request.passphrase}`,
        '-out',
        keyFile,
      ]);
    }
    const leafPem = await readFile(`${base}.pem`, 'utf8');
    const chainPem = leafPem + certificatePem;
    await writeFile(`${base}.chain.pem`, chainPem);
    return {
      certificatePem: leafPem,
      chainPem,
      keyPem: await readFile(keyFile, 'utf8'),
      chainFile: `${base}.chain.pem`,
      keyFile,
    };
  }

  return {
    certificatePem,
    directory,
    issue(request) {
      const next = queue.then(() => issueNow(request));
      queue = next.catch(() => undefined);
      return next;
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
