import type { AppRoute } from '../routing/balancer';
import {
  parseCertificateStores,
  parseCrtList,
  planCertificates,
  planRedirects,
  type CertificatesState,
  type WantedCertificate,
} from './edge-certificates';

const options = { crtList: '/run/apps.crt-list', prefix: '/run/apps/' };
const PEM =
  '-----BEGIN CERTIFICATE-----\nMIIB\n\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const wanted = (id: string, serves: string[], opens = true): WantedCertificate => ({
  name: `/run/apps/${id}.pem`,
  serves,
  pem: () => (opens ? PEM : undefined),
});
const state = (
  entries: Record<string, string[]> = {},
  stores: string[] = Object.keys(entries),
  transaction?: string,
): CertificatesState => ({ entries: new Map(Object.entries(entries)), stores: new Set(stores), transaction });
const commands = (...args: Parameters<typeof planCertificates>) =>
  planCertificates(...args).map((step) => step.command);

describe(planCertificates.name, () => {
  it('should load a new certificate, commit it, then list it for its names only', () => {
    expect(commands([wanted('c1', ['shop.example.com', '*.example.org'])], state(), options)).toEqual([
      'new ssl cert /run/apps/c1.pem',
      // A payload ends at the first empty line: the PEM carries none.
      `set ssl cert /run/apps/c1.pem <<\n${PEM.replace('\n\n', '\n').trimEnd()}\n`,
      'commit ssl cert /run/apps/c1.pem',
      'add ssl crt-list /run/apps.crt-list <<\n/run/apps/c1.pem shop.example.com *.example.org\n',
    ]);
  });

  it('should change nothing when HAProxy holds what is wanted, in any order of names', () => {
    const held = state({ '/run/apps/c1.pem': ['b.example.com', 'a.example.com'], '/run/platform.pem': [] });
    expect(commands([wanted('c1', ['a.example.com', 'b.example.com'])], held, options)).toEqual([]);
  });

  it('should list a certificate again when its names change, without loading it again', () => {
    const held = state({ '/run/apps/c1.pem': ['a.example.com'] });
    expect(commands([wanted('c1', ['a.example.com', 'b.example.com'], false)], held, options)).toEqual([
      'del ssl crt-list /run/apps.crt-list /run/apps/c1.pem',
      'add ssl crt-list /run/apps.crt-list <<\n/run/apps/c1.pem a.example.com b.example.com\n',
    ]);
  });

  it("should remove certificates no longer wanted, never the platform's", () => {
    const held = state({ '/run/apps/old.pem': ['a.example.com'], '/run/platform.pem': [] });
    expect(commands([], held, options)).toEqual([
      'del ssl crt-list /run/apps.crt-list /run/apps/old.pem',
      'del ssl cert /run/apps/old.pem',
    ]);
  });

  it('should repair what a pass that failed half-way left: an open transaction, an empty store', () => {
    const held = state({}, ['/run/apps/c1.pem', '/run/apps/gone.pem'], '/run/apps/c1.pem');
    expect(commands([wanted('c1', ['a.example.com'])], held, options)).toEqual([
      'abort ssl cert /run/apps/c1.pem',
      expect.stringMatching(/^set ssl cert \/run\/apps\/c1\.pem <<\n/),
      'commit ssl cert /run/apps/c1.pem',
      'add ssl crt-list /run/apps.crt-list <<\n/run/apps/c1.pem a.example.com\n',
      'del ssl cert /run/apps/gone.pem',
    ]);
  });

  it('should leave out a certificate that cannot be opened', () => {
    expect(commands([wanted('c1', ['a.example.com'], false)], state(), options)).toEqual([]);
  });
});

describe('HAProxy answers about certificates', () => {
  it('should read crt-list entries with their names, past any options', () => {
    const output =
      '# /run/apps.crt-list\n/run/apps/c1.pem a.example.com *.example.org\n/run/apps/c2.pem [alpn h2] b.example.com\n\n';
    expect(parseCrtList(output)).toEqual(
      new Map([
        ['/run/apps/c1.pem', ['a.example.com', '*.example.org']],
        ['/run/apps/c2.pem', ['b.example.com']],
      ]),
    );
  });

  it('should read stores and the open transaction', () => {
    const output = '# transaction\n*/run/apps/c1.pem\n# filename\n/run/apps/c1.pem\n/run/platform.pem\n\n';
    expect(parseCertificateStores(output)).toEqual({
      stores: new Set(['/run/apps/c1.pem', '/run/platform.pem']),
      transaction: '/run/apps/c1.pem',
    });
  });
});

describe(planRedirects.name, () => {
  const route = (host: string, appId: string, httpsRedirect: boolean): AppRoute => ({
    host,
    appId,
    activatable: false,
    httpsRedirect,
    upstreams: [],
    next: 0,
  });
  const slots = new Map([
    ['app-1', 'app_0'],
    ['app-2', 'app_1'],
  ]);

  it("should hold the slots of the apps that asked, once each, and no other's", () => {
    const routes = [
      route('a.test', 'app-1', true),
      route('*.a.test', 'app-1', true),
      route('b.test', 'app-2', false),
    ];
    const plan = planRedirects(routes, slots, new Map([['app_1', '1']]), '/run/redirects.map');
    expect(plan.map((step) => step.command)).toEqual([
      'add map /run/redirects.map app_0 1',
      'del map /run/redirects.map app_1',
    ]);
  });
});
