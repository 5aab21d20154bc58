import {
  certificateNameCovers,
  coveringWildcard,
  domainFamily,
  hostsCoveredBy,
  servedHosts,
  parseCustomDomain,
  wildcardCovers,
} from './custom-domain';

describe(parseCustomDomain.name, () => {
  const parse = (input: string) => parseCustomDomain(input, 'localhost');

  it('should take host names and one-level wildcards, in lower case without the final dot', () => {
    expect(parse('WWW.Example.COM.')).toEqual({ ok: true, hostname: 'www.example.com' });
    expect(parse('example.com')).toEqual({ ok: true, hostname: 'example.com' });
    expect(parse('*.example.com')).toEqual({ ok: true, hostname: '*.example.com' });
    expect(parse('a-b.c1.example.co.uk')).toEqual({ ok: true, hostname: 'a-b.c1.example.co.uk' });
  });

  it('should refuse what is no host name', () => {
    for (const input of [
      '',
      'com',
      '*.com',
      '*',
      'www.*.example.com',
      '**.example.com',
      'a_b.example.com',
      '-a.example.com',
      'a-.example.com',
      'www..example.com',
      'http://www.example.com',
      'www.example.com/path',
      'www.example.com:443',
      '10.0.0.1',
      `${'a'.repeat(64)}.example.com`,
      `${'a.'.repeat(127)}com`,
    ]) {
      expect(parse(input)).toMatchObject({ ok: false });
    }
  });

  it("should keep the platform's own names for the platform", () => {
    expect(parse('web.prod.acme.localhost')).toMatchObject({ ok: false });
    expect(parse('*.localhost')).toMatchObject({ ok: false });
    expect(parseCustomDomain('shop.apps.example.com', 'apps.example.com')).toMatchObject({ ok: false });
    expect(parseCustomDomain('*.apps.example.com', 'apps.example.com')).toMatchObject({ ok: false });
    expect(parseCustomDomain('apps.example.com', 'apps.example.com')).toMatchObject({ ok: false });
    expect(parseCustomDomain('example.com', 'apps.example.com')).toEqual({
      ok: true,
      hostname: 'example.com',
    });
  });
});

describe('wildcards', () => {
  it('should cover exactly one label more under the same parent', () => {
    expect(wildcardCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(wildcardCovers('*.example.com', 'example.com')).toBe(false);
    expect(wildcardCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(wildcardCovers('*.example.com', 'www.example.org')).toBe(false);
    expect(coveringWildcard('www.example.com')).toBe('*.example.com');
    expect(coveringWildcard('example.com')).toBeNull();
    expect(coveringWildcard('*.example.com')).toBeNull();
  });

  it('should put a wildcard and every name it covers in one family, and no other', () => {
    expect(domainFamily('*.example.com')).toBe('example.com');
    expect(domainFamily('www.example.com')).toBe('example.com');
    expect(domainFamily('a.b.example.com')).toBe('b.example.com');
  });
});

describe('certificate names', () => {
  it('should cover the same name, and names one level under a wildcard', () => {
    expect(certificateNameCovers('www.example.com', 'www.example.com')).toBe(true);
    expect(certificateNameCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(certificateNameCovers('*.example.com', 'example.com')).toBe(false);
    expect(certificateNameCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(certificateNameCovers('example.com', 'www.example.com')).toBe(false);
  });

  it('should cover a wildcard domain only by the same wildcard', () => {
    expect(certificateNameCovers('*.example.com', '*.example.com')).toBe(true);
    expect(certificateNameCovers('www.example.com', '*.example.com')).toBe(false);
    expect(certificateNameCovers('*.www.example.com', '*.example.com')).toBe(false);
  });

  it('should pick the hosts a certificate serves, once each and sorted', () => {
    expect(
      hostsCoveredBy(
        ['*.example.com', 'example.org'],
        ['www.example.com', 'example.com', 'example.org', 'api.example.com', 'www.example.com'],
      ),
    ).toEqual(['api.example.com', 'example.org', 'www.example.com']);
    expect(hostsCoveredBy(['other.test'], ['www.example.com'])).toEqual([]);
  });

  it('should serve each host with the certificate that expires last, and leave out one serving none', () => {
    const at = (day: number) => new Date(Date.UTC(2027, 0, day));
    const old = { id: 'old', hostnames: ['*.example.com'], notAfter: at(10) };
    const renewed = { id: 'renewed', hostnames: ['www.example.com'], notAfter: at(20) };
    const unused = { id: 'unused', hostnames: ['other.test'], notAfter: at(30) };
    const hosts = ['www.example.com', 'api.example.com'];
    expect(servedHosts([old, renewed, unused], hosts)).toEqual(
      new Map([
        ['old', ['api.example.com']],
        ['renewed', ['www.example.com']],
      ]),
    );
    // Expiring together: one and the same for every run.
    const twin = { ...old, id: 'twin' };
    expect(servedHosts([twin, old], hosts)).toEqual(
      new Map([['old', ['api.example.com', 'www.example.com']]]),
    );
  });
});
