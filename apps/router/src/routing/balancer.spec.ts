import { Balancer, toUpstream, type AppRoute } from './balancer';

const route = (...ports: number[]): AppRoute => ({
  host: 'web.prod.acme.localhost',
  appId: 'app-1',
  activatable: false,
  httpsRedirect: false,
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
