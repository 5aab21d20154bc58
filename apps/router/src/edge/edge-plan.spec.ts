import { toUpstream, type AppRoute } from '../routing/balancer';
import { planEdge } from './edge-plan';
import type { EdgeServer, EdgeState } from './edge-state';

const mapPaths = { hosts: '/run/hosts.map', wildcards: '/run/wildcards.map' };
const options = { slots: 3, mapPaths };

const route = (host: string, appId: string, ports: number[]): AppRoute => ({
  host,
  appId,
  activatable: false,
  httpsRedirect: false,
  upstreams: ports.map((port) => toUpstream({ instanceId: `i${port}`, host: '127.0.0.1', port })),
  next: 0,
});
/** Slot server `s<n>`: an instance's address, or a parked one (port 1: never given any). */
const server = (n: number, port: number, inService = true, sessions = 0): EdgeServer => ({
  name: `s${n}`,
  address: '127.0.0.1',
  port,
  inService,
  sessions,
});
const parked = (n: number) => server(n, 1, false);
/** A slot as HAProxy starts it: two servers, neither given an address yet. */
const fresh = () => [parked(1), parked(2)];
const state = (partial: Partial<EdgeState> = {}): EdgeState => ({
  hosts: new Map(),
  wildcards: new Map(),
  servers: new Map(),
  ...partial,
});
const commandsOf = (routes: AppRoute[], actual: EdgeState, slots = 3) =>
  planEdge(routes, actual, { slots, mapPaths }).commands.map((c) => c.command);

describe('planEdge', () => {
  it('should put a new app in the first idle slot: instances in service before its hosts point there', () => {
    const routes = [
      route('web.prod.acme.localhost', 'app-1', [5001, 5002]),
      route('*.example.com', 'app-1', [5001, 5002]),
    ];
    const actual = state({
      servers: new Map([
        ['app_0', fresh()],
        ['app_1', fresh()],
      ]),
    });
    expect(commandsOf(routes, actual)).toEqual([
      'set server app_0/s1 addr 127.0.0.1 port 5001',
      'set server app_0/s1 state ready',
      'set server app_0/s2 addr 127.0.0.1 port 5002',
      'set server app_0/s2 state ready',
      'add map /run/hosts.map web.prod.acme.localhost app_0',
      'add map /run/wildcards.map example.com app_0',
    ]);
  });

  it('should change nothing when HAProxy already routes as the table says', () => {
    const actual = state({
      hosts: new Map([['web.prod.acme.localhost', 'app_1']]),
      servers: new Map([['app_1', [server(1, 5001), parked(2)]]]),
    });
    const plan = planEdge([route('web.prod.acme.localhost', 'app-1', [5001])], actual, options);
    expect(plan.commands).toEqual([]);
    expect(plan.backendOfApp).toEqual(new Map([['app-1', 'app_1']]));
  });

  it('should take an instance out of service after its replacement is in, leaving its requests to finish', () => {
    const actual = state({
      hosts: new Map([['web.prod.acme.localhost', 'app_0']]),
      servers: new Map([['app_0', [server(1, 5001, true, 3), parked(2)]]]),
    });
    expect(commandsOf([route('web.prod.acme.localhost', 'app-1', [5002])], actual)).toEqual([
      'set server app_0/s2 addr 127.0.0.1 port 5002',
      'set server app_0/s2 state ready',
      'set server app_0/s1 state maint',
    ]);
  });

  it('should give a new instance no server still finishing requests for a gone one', () => {
    const actual = state({
      hosts: new Map([['web.prod.acme.localhost', 'app_0']]),
      servers: new Map([['app_0', [server(1, 5001, false, 2), server(2, 5002)]]]),
    });
    const plan = planEdge([route('web.prod.acme.localhost', 'app-1', [5002, 5003])], actual, options);
    expect(plan.commands).toEqual([]);
    expect(plan.crowded).toEqual(['app-1']);
    // Once its requests are done, the server is free for the newcomer.
    const drained = state({
      ...actual,
      servers: new Map([['app_0', [server(1, 5001, false, 0), server(2, 5002)]]]),
    });
    expect(commandsOf([route('web.prod.acme.localhost', 'app-1', [5002, 5003])], drained)).toEqual([
      'set server app_0/s1 addr 127.0.0.1 port 5003',
      'set server app_0/s1 state ready',
    ]);
  });

  it('should point a server nowhere once the requests of its gone instance are done', () => {
    const actual = state({
      hosts: new Map([['web.prod.acme.localhost', 'app_0']]),
      servers: new Map([['app_0', [server(1, 5001, false, 0), server(2, 5002)]]]),
    });
    expect(commandsOf([route('web.prod.acme.localhost', 'app-1', [5002])], actual)).toEqual([
      'set server app_0/s1 addr 127.0.0.1 port 1',
    ]);
  });

  it('should put back in service an instance that returned to the table while still draining', () => {
    const actual = state({
      hosts: new Map([['web.prod.acme.localhost', 'app_0']]),
      servers: new Map([['app_0', [server(1, 5001, false, 1), parked(2)]]]),
    });
    expect(commandsOf([route('web.prod.acme.localhost', 'app-1', [5001])], actual)).toEqual([
      'set server app_0/s1 state ready',
    ]);
  });

  it('should free the slot of an app that left: hosts first, then its instances out of service', () => {
    const actual = state({
      hosts: new Map([['gone.prod.acme.localhost', 'app_0']]),
      servers: new Map([['app_0', [server(1, 5001), parked(2)]]]),
    });
    expect(commandsOf([], actual)).toEqual([
      'del map /run/hosts.map gone.prod.acme.localhost',
      'set server app_0/s1 state maint',
    ]);
  });

  it('should not give a new app a slot with requests still in flight for another', () => {
    const actual = state({
      servers: new Map([
        ['app_0', [server(1, 5001, false, 1), parked(2)]],
        ['app_1', fresh()],
      ]),
    });
    const plan = planEdge([route('new.prod.acme.localhost', 'app-2', [6001])], actual, options);
    expect(plan.commands.map((c) => c.command)).toContain(
      'add map /run/hosts.map new.prod.acme.localhost app_1',
    );
  });

  it('should leave an app to the Nimbus router when every slot is taken, and say which', () => {
    const routes = [
      route('a.prod.acme.localhost', 'app-a', [1]),
      route('b.prod.acme.localhost', 'app-b', [2]),
    ];
    const plan = planEdge(routes, state({ servers: new Map([['app_0', fresh()]]) }), { slots: 1, mapPaths });
    expect(plan.unslotted).toEqual(['app-b']);
    expect(plan.commands.map((c) => c.command)).not.toContain(expect.stringContaining('b.prod'));
  });

  it('should move a custom domain of one app to another: one set, no gap', () => {
    const actual = state({
      hosts: new Map([
        ['www.example.com', 'app_0'],
        ['a.prod.acme.localhost', 'app_0'],
        ['b.prod.acme.localhost', 'app_1'],
      ]),
      servers: new Map([
        ['app_0', [server(1, 1)]],
        ['app_1', [server(1, 2)]],
      ]),
    });
    const routes = [
      route('a.prod.acme.localhost', 'app-a', [1]),
      route('b.prod.acme.localhost', 'app-b', [2]),
      route('www.example.com', 'app-b', [2]),
    ];
    expect(commandsOf(routes, actual)).toEqual(['set map /run/hosts.map www.example.com app_1']);
  });
});
