import type { IncomingMessage } from 'node:http';
import { Balancer, toUpstream, type AppRoute } from '../src/router/balancer';
import { requestIdOf, setForwardingHeaders, stripHopByHop } from '../src/router/forwarding-headers';
import { ConfigError } from '@nimbus/config';
import { appHostOf } from '../src/router/proxy.handler';
import { loadRouterConfig } from '../src/router/router.config';

const route = (...ports: number[]): AppRoute => ({
  host: 'web.prod.acme.localhost',
  upstreams: ports.map((port) => toUpstream({ instanceId: `i-${port}`, host: '127.0.0.1', port })),
  next: 0,
});
const ports = (balancer: Balancer, appRoute: AppRoute, count: number, exclude?: string[]) =>
  Array.from({ length: count }, () => balancer.pick(appRoute, exclude)?.port);

describe(Balancer.name, () => {
  it('should take turns when no instance is busier than another', () => {
    for (const strategy of ['least-connections', 'round-robin'] as const) {
      expect(ports(new Balancer(strategy), route(1, 2, 3), 6)).toEqual([1, 2, 3, 1, 2, 3]);
    }
  });

  it('should send to the instance with the fewest requests in flight under least-connections', () => {
    const balancer = new Balancer('least-connections');
    const appRoute = route(1, 2, 3);
    const [one, two] = appRoute.upstreams;
    balancer.acquire(one!);
    balancer.acquire(one!);
    balancer.acquire(two!);
    expect(ports(balancer, appRoute, 2)).toEqual([3, 3]);
    balancer.acquire(appRoute.upstreams[2]!);
    balancer.acquire(appRoute.upstreams[2]!);
    expect(balancer.pick(appRoute)?.port).toBe(2);
    balancer.release(one!);
    balancer.release(one!);
    expect(balancer.load(one!)).toBe(0);
    expect(balancer.pick(appRoute)?.port).toBe(1);
  });

  it('should ignore load under round-robin', () => {
    const balancer = new Balancer('round-robin');
    const appRoute = route(1, 2);
    for (let i = 0; i < 5; i++) balancer.acquire(appRoute.upstreams[0]!);
    expect(ports(balancer, appRoute, 4)).toEqual([1, 2, 1, 2]);
  });

  it('should never pick an instance already tried', () => {
    const balancer = new Balancer('least-connections');
    const appRoute = route(1, 2);
    expect(ports(balancer, appRoute, 3, ['127.0.0.1:1'])).toEqual([2, 2, 2]);
    expect(balancer.pick(appRoute, ['127.0.0.1:1', '127.0.0.1:2'])).toBeUndefined();
    expect(balancer.pick(route())).toBeUndefined();
  });

  it('should pass over an ejected instance until its time is up, unless nothing else is left', () => {
    let now = 0;
    const balancer = new Balancer('least-connections', () => now);
    const appRoute = route(1, 2);
    balancer.eject(appRoute.upstreams[0]!, 1_000);
    expect(ports(balancer, appRoute, 3)).toEqual([2, 2, 2]);
    expect(balancer.pick(appRoute, ['127.0.0.1:2'])?.port).toBe(1);
    now = 1_000;
    expect(ports(balancer, appRoute, 2).sort()).toEqual([1, 2]);
  });
});

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

describe(setForwardingHeaders.name, () => {
  const request = (headers: IncomingMessage['headers'], remoteAddress: string) =>
    ({ headers, socket: { remoteAddress, localPort: 8000 } }) as unknown as IncomingMessage;

  it('should write IPv6 clients as RFC 7239 asks and unwrap IPv4-mapped ones', () => {
    const v6 = request({ host: 'web.prod.acme.localhost' }, '2001:db8::1');
    setForwardingHeaders(v6, 'id');
    expect(v6.headers.forwarded).toBe('for="[2001:db8::1]";host=web.prod.acme.localhost;proto=http');
    expect(v6.headers['x-forwarded-for']).toBe('2001:db8::1');
    const mapped = request({ host: 'web.prod.acme.localhost:8000' }, '::ffff:10.0.0.7');
    setForwardingHeaders(mapped, 'id');
    expect(mapped.headers.forwarded).toBe('for=10.0.0.7;host="web.prod.acme.localhost:8000";proto=http');
    expect(mapped.headers['x-forwarded-port']).toBe('8000');
  });

  it('should keep a sane request id and replace any other', () => {
    expect(requestIdOf({ 'x-request-id': '0f5e0c1a-6f0a-4a5e-9d0e-0e6bb2f0b7c1' })).toBe(
      '0f5e0c1a-6f0a-4a5e-9d0e-0e6bb2f0b7c1',
    );
    for (const bad of ['short', 'x'.repeat(201), 'has spaces in it, twenty+', '<script>alert(1)</script>']) {
      expect(requestIdOf({ 'x-request-id': bad })).not.toBe(bad);
    }
  });

  it('should drop hop-by-hop headers and those Connection names, sparing what a WebSocket needs', () => {
    const headers = {
      connection: 'Upgrade, X-Private',
      upgrade: 'websocket',
      'x-private': '1',
      'keep-alive': '5',
      te: 'trailers',
      accept: '*/*',
    };
    stripHopByHop(headers, ['connection', 'upgrade']);
    expect(headers).toEqual({ connection: 'Upgrade, X-Private', upgrade: 'websocket', accept: '*/*' });
    stripHopByHop(headers);
    expect(headers).toEqual({ accept: '*/*' });
  });
});

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
    });
  });

  it('should name every bad variable', () => {
    try {
      loadRouterConfig({
        NIMBUS_ROUTER_BALANCE: 'random',
        NIMBUS_ACCESS_LOG: 'no',
        NIMBUS_ROUTER_WORKERS: '0',
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
      ]) {
        expect(problems).toContain(`${name}:`);
      }
    }
  });
});
