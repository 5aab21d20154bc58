import { appHostOf } from './app-host';

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
      'web.prod.acme.notlocalhost',
      '[::1]:8000',
      'web.prod.acme.example.com',
    ]) {
      expect(appHostOf(other, 'localhost')).toBeUndefined();
    }
  });
});
