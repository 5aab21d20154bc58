import { appHostOf, wildcardOf } from './app-host';

describe(appHostOf.name, () => {
  it('should accept APP.NAMESPACE.TENANT.DOMAIN with any port and case, and nothing else', () => {
    expect(appHostOf('Web.Prod.Acme.localhost:8000', 'localhost')).toBe('web.prod.acme.localhost');
    expect(appHostOf('web.prod.acme.localhost.', 'localhost')).toBe('web.prod.acme.localhost');
    expect(appHostOf('web.prod.acme.apps.example.com', 'apps.example.com')).toBe(
      'web.prod.acme.apps.example.com',
    );
    for (const other of [
      undefined,
      '',
      'localhost',
      'prod.acme.localhost',
      'a.web.prod.acme.localhost',
      'web..acme.localhost',
      '[::1]:8000',
      'example',
      'www..example.com',
      'w_w.example.com',
    ]) {
      expect(appHostOf(other, 'localhost')).toBeUndefined();
    }
  });

  it("should pass any other host name on, lower case and without port: it may be an app's custom domain", () => {
    expect(appHostOf('WWW.Example.com:443', 'localhost')).toBe('www.example.com');
    expect(appHostOf('web.prod.acme.notlocalhost', 'localhost')).toBe('web.prod.acme.notlocalhost');
    expect(appHostOf('shop.example.com.', 'apps.example.com')).toBe('shop.example.com');
  });
});

describe(wildcardOf.name, () => {
  it('should name the one-level wildcard over a host, and none over a top-level name', () => {
    expect(wildcardOf('a.example.com')).toBe('*.example.com');
    expect(wildcardOf('a.b.example.com')).toBe('*.b.example.com');
    expect(wildcardOf('example.com')).toBeUndefined();
  });
});
