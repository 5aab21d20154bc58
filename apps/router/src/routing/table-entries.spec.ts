import { encodeAppEndpoints } from '@nimbus/cluster';
import { parseCertificateEntry, parseRoute } from './table-entries';

describe(parseRoute.name, () => {
  const endpoint = { instanceId: 'i-1', host: '127.0.0.1', port: 5000 };

  it('should read an entry with its app id and whether it may be activated', () => {
    const text = encodeAppEndpoints({ appId: 'app-1', activatable: true, endpoints: [endpoint] });
    const route = parseRoute('Web.Prod.Acme.localhost', text);
    expect(route).toMatchObject({ host: 'web.prod.acme.localhost', appId: 'app-1', activatable: true });
    expect(route.upstreams.map((upstream) => upstream.key)).toEqual(['127.0.0.1:5000']);
  });

  it('should read whether plain HTTP is redirected, which entries written before it do not say', () => {
    const entry = { appId: 'app-1', activatable: false, endpoints: [endpoint] };
    expect(parseRoute('a.test', encodeAppEndpoints({ ...entry, httpsRedirect: true })).httpsRedirect).toBe(
      true,
    );
    expect(encodeAppEndpoints({ ...entry, httpsRedirect: false })).toBe(encodeAppEndpoints(entry));
    expect(parseRoute('a.test', encodeAppEndpoints(entry)).httpsRedirect).toBe(false);
  });

  it('should hold requests for an app whose instances are starting, as for one at zero', () => {
    const entry = { appId: 'app-1', activatable: false, endpoints: [] };
    expect(parseRoute('a.test', encodeAppEndpoints({ ...entry, starting: true })).activatable).toBe(true);
    expect(encodeAppEndpoints({ ...entry, starting: false })).toBe(encodeAppEndpoints(entry));
    expect(parseRoute('a.test', encodeAppEndpoints(entry)).activatable).toBe(false);
  });

  it('should read the bare array an older orchestrator writes as a route that is never held', () => {
    const route = parseRoute('web.prod.acme.localhost', JSON.stringify([endpoint]));
    expect(route).toMatchObject({ appId: '', activatable: false });
    expect(route.upstreams).toHaveLength(1);
  });

  it('should refuse anything else', () => {
    for (const bad of [
      'not json',
      '{}',
      JSON.stringify({ appId: 'app-1', endpoints: [] }),
      JSON.stringify({ appId: '', activatable: true, endpoints: [] }),
      JSON.stringify({ appId: 'app-1', activatable: true, endpoints: [{ ...endpoint, port: 0 }] }),
      JSON.stringify([{ ...endpoint, host: '' }]),
    ]) {
      expect(() => parseRoute('web.prod.acme.localhost', bad)).toThrow();
    }
  });
});

describe(parseCertificateEntry.name, () => {
  it('should read a certificate entry, and refuse one that serves no name or holds no key', () => {
    const entry = { appId: 'app-1', serves: ['www.example.test'], fingerprint: 'ab', sealed: 'c2VhbGVk' };
    expect(parseCertificateEntry(JSON.stringify(entry))).toEqual(entry);
    for (const bad of [{ ...entry, serves: [] }, { ...entry, sealed: '' }, { serves: entry.serves }]) {
      expect(() => parseCertificateEntry(JSON.stringify(bad))).toThrow();
    }
  });
});
