import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { createLogger } from '@nimbus/logging';
import type { Activator } from '../activator/activator';
import { RouterMetrics } from '../metrics/router.metrics';
import { AppTraffic } from '../telemetry/app-traffic';
import { Balancer, toUpstream, type AppRoute } from '../routing/balancer';
import type { EndpointTable } from '../routing/endpoint-table';
import { ExchangeTracker } from './exchange-tracker';

const HOST = 'web.prod.acme.localhost';

const route = (appId: string, port?: number): AppRoute => ({
  host: HOST,
  appId,
  activatable: true,
  httpsRedirect: false,
  upstreams: port === undefined ? [] : [toUpstream({ instanceId: `${appId}-1`, host: '127.0.0.1', port })],
  next: 0,
});

describe(ExchangeTracker.name, () => {
  it('should end a request under the app it arrived for, though its host moved to another app meanwhile', () => {
    const routes = new Map([[HOST, route('app-old')]]);
    // The part of the endpoint table the tracker reads.
    const table = { isLoaded: true, get: (host: string) => routes.get(host), hosts: () => routes.keys() };
    let now = 0;
    const traffic = new AppTraffic(() => now);
    const exchanges = new ExchangeTracker({
      table: table as unknown as EndpointTable,
      balancer: new Balancer('least-connections'),
      activator: {} as Activator,
      metrics: new RouterMetrics({ routeCount: () => routes.size, inFlightByHost: () => [] }),
      traffic,
      logger: createLogger({ service: 'router', level: 'silent' }),
      dispatcher: {} as Dispatcher,
      domain: 'localhost',
      accessLog: false,
      behindEdge: false,
    });
    const request = { url: '/', headers: { host: HOST } } as IncomingMessage;

    const exchange = exchanges.begin(request, false);
    expect(exchanges.route(request, exchange)).toBeUndefined();
    // Held at zero; the host is then served by another app, and the forwarder takes its route.
    routes.set(HOST, route('app-new', 8080));
    exchange.route = routes.get(HOST);
    now = 100;
    exchanges.finish(request, 200, exchange);

    now = 1_000;
    expect(traffic.take()).toEqual([
      expect.objectContaining({ appId: 'app-old', requests: 1, concurrency: 0.1 }),
    ]);
    // Nothing left in flight for either app.
    now = 2_000;
    expect(traffic.take()).toEqual([]);
  });
});
