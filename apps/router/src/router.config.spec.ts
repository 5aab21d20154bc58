import { ConfigError } from '@nimbus/config';
import { loadRouterConfig } from './router.config';

describe(loadRouterConfig.name, () => {
  it('should default to least-connections on 127.0.0.1:8000 with the admin port beside it', () => {
    expect(loadRouterConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      NIMBUS_ROUTER_PORT: 8000,
      NIMBUS_ROUTER_ADMIN_PORT: 8001,
      HOST: '127.0.0.1',
      NIMBUS_DOMAIN: 'localhost',
      NIMBUS_REDIS_PREFIX: 'nimbus:',
      NIMBUS_ROUTER_BALANCE: 'least-connections',
      NIMBUS_ACCESS_LOG: true,
      NIMBUS_ROUTER_WORKERS: 1,
      NIMBUS_ROUTER_CONNECT_TIMEOUT: 5_000,
      NIMBUS_ACTIVATOR_TIMEOUT: 60_000,
      NIMBUS_ACTIVATOR_QUEUE: 1000,
    });
  });

  it.each([
    ['500ms', 'NIMBUS_ACTIVATOR_TIMEOUT: must be at least 1s'],
    ['10m', 'NIMBUS_ACTIVATOR_TIMEOUT: must be at most 5m'],
  ])('should hold requests at zero between 1 s and 5 m, not %s', (timeout, message) => {
    expect(() =>
      loadRouterConfig({ REDIS_URL: 'redis://127.0.0.1:6379', NIMBUS_ACTIVATOR_TIMEOUT: timeout }),
    ).toThrow(
      expect.objectContaining({ problems: expect.arrayContaining([expect.stringContaining(message)]) }),
    );
  });

  it('should name every bad variable', () => {
    try {
      loadRouterConfig({
        NIMBUS_ROUTER_BALANCE: 'random',
        NIMBUS_ACCESS_LOG: 'no',
        NIMBUS_ROUTER_WORKERS: '0',
        NIMBUS_ACTIVATOR_TIMEOUT: '60',
        NIMBUS_ACTIVATOR_QUEUE: '0',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of [
        'REDIS_URL',
        'NIMBUS_ROUTER_BALANCE',
        'NIMBUS_ACCESS_LOG',
        'NIMBUS_ROUTER_WORKERS',
        'NIMBUS_ACTIVATOR_TIMEOUT',
        'NIMBUS_ACTIVATOR_QUEUE',
      ]) {
        expect(problems).toContain(`${name}:`);
      }
    }
  });

  it.each([
    [
      { NIMBUS_TLS_CERT: '/etc/nimbus/cert.pem' },
      'NIMBUS_TLS_KEY: set with NIMBUS_TLS_CERT and NIMBUS_TLS_KEY both',
    ],
    [
      { NIMBUS_ROUTER_TLS_PORT: '8443', NIMBUS_EDGE: 'node' },
      'NIMBUS_ROUTER_TLS_PORT: HTTPS is served by the HAProxy edge',
    ],
  ])('should refuse an HTTPS setting that cannot work: %j', (env, message) => {
    expect(() => loadRouterConfig({ REDIS_URL: 'redis://127.0.0.1:6379', ...env })).toThrow(
      expect.objectContaining({ problems: [expect.stringContaining(message)] }),
    );
  });
});
