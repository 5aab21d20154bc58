import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import {
  demandKey,
  encodeAppEndpoints,
  endpointsKey,
  publishWake,
  readDemand,
  wakeSubscriptions,
  type Endpoint,
} from '@nimbus/cluster';
import { createLogger } from '@nimbus/logging';
import { createTestRedisPrefix, testEnvironment } from '@nimbus/testing';
import { routerConfigSchema } from '../src/router.config';
import { send, type Answer, type ClientRequest } from './support/http';
import { startRouter, type RunningRouter } from '../src/router';

const DOMAIN = 'localhost';
const host = (app: string) => `${app}.prod.acme.${DOMAIN}`;
const appId = (app: string) => `app-${app}`;

interface Upstream {
  server: Server;
  /** What each request it received looked like: its path, method and body. */
  seen: { url: string; method: string; body: string }[];
  endpoint: Endpoint;
}

const servers: Server[] = [];

/** A real app instance on a loopback port: echoes what it received, with its name. */
async function startUpstream(name: string): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', method: request.method ?? '', body });
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name, body }));
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, seen, endpoint: { instanceId: name, host: '127.0.0.1', port } };
}

interface SendOptions {
  method?: string;
  path?: string;
  body?: string;
  /** The router's own pages are negotiated: JSON unless the test asks for another type. */
  accept?: string;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() - started > 5_000) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('router activator', () => {
  const { TEST_REDIS_URL } = testEnvironment();
  const prefix = createTestRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const subscriber = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const wakes: string[] = [];
  const logger = createLogger({ service: 'router', level: 'silent' });
  const routers: RunningRouter[] = [];
  let router: RunningRouter;
  let web1: Upstream;
  let web2: Upstream;

  const start = async (overrides: Record<string, string> = {}) => {
    const config = routerConfigSchema.parse({
      REDIS_URL: TEST_REDIS_URL,
      // The Node router's own behaviour; HAProxy's part is in edge.spec.ts.
      NIMBUS_EDGE: 'node',
      NIMBUS_REDIS_PREFIX: prefix,
      NIMBUS_ROUTER_PORT: '0',
      NIMBUS_ROUTER_ADMIN_PORT: '0',
      NIMBUS_DOMAIN: DOMAIN,
      NIMBUS_ACCESS_LOG: 'false',
      ...overrides,
    });
    const started = await startRouter(config, logger);
    routers.push(started);
    return started;
  };
  /** What the orchestrator does: write the entry, then announce it. */
  const publish = async (
    app: string,
    endpoints: Endpoint[],
    { activatable = true, starting = false }: { activatable?: boolean; starting?: boolean } = {},
  ) => {
    const entry = encodeAppEndpoints({ appId: appId(app), activatable, starting, endpoints });
    await redis.hset(endpointsKey(prefix), host(app), entry);
    await publishWake(redis, prefix, { to: 'routers', host: host(app) });
  };
  const get = (
    on: RunningRouter,
    app: string,
    { accept = 'application/json', ...options }: SendOptions = {},
    sent?: (request: ClientRequest) => void,
  ) => send(on.url, { host: `${host(app)}:${new URL(on.url).port}`, headers: { accept }, ...options }, sent);
  const metrics = async (on: RunningRouter) =>
    (
      await send(on.adminUrl as string, {
        host: 'admin',
        path: '/metrics',
        headers: { accept: 'text/plain' },
      })
    ).body;
  const heldMetric = (app: string) => `nimbus_router_activator_held{host="${host(app)}",service="router"}`;
  /** Publishes an app at zero and waits until the router's table has it. */
  const atZero = async (on: RunningRouter, app: string) => {
    await publish(app, []);
    await eventually(
      () => metrics(on),
      (text) => text.includes(`${heldMetric(app)} 0`),
      'route at zero',
    );
  };
  const demand = async (app: string) => readDemand(await redis.hvals(demandKey(prefix, appId(app))));
  const problemOf = (answer: Answer) => JSON.parse(answer.body) as { code: string; detail: string };

  beforeAll(async () => {
    await Promise.all([redis.connect(), subscriber.connect()]);
    await subscriber.subscribe(wakeSubscriptions.orchestrator(prefix));
    subscriber.on('message', (_channel: string, message: string) => wakes.push(message));
    [web1, web2] = await Promise.all([startUpstream('web-1'), startUpstream('web-2')]);
    router = await start({ NIMBUS_ACTIVATOR_TIMEOUT: '10s' });
  });

  afterAll(async () => {
    await Promise.all(routers.map((running) => running.close()));
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    subscriber.disconnect();
    await redis.quit();
  });

  it('should hold a burst to an app at zero, ask for instances, and forward each request once', async () => {
    await atZero(router, 'burst');
    const body = JSON.stringify({ order: 42, note: 'sent while the app was at zero' });
    const answers = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i === 0
          ? get(router, 'burst', { method: 'POST', path: '/r/0', body })
          : get(router, 'burst', { path: `/r/${i}` }),
      ),
    );
    await eventually(
      () => demand('burst'),
      (held) => held === 50,
      'demand in Redis',
    );
    expect(wakes).toContain(`demand:${appId('burst')}`);
    const during = await metrics(router);
    expect(during).toContain(`${heldMetric('burst')} 50`);
    expect(during).toContain(`nimbus_router_in_flight_requests{host="${host('burst')}",service="router"} 50`);
    expect(web1.seen.length + web2.seen.length).toBe(0);

    await publish('burst', [web1.endpoint, web2.endpoint]);
    const answered = await answers;
    expect(answered.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    const seen = [...web1.seen, ...web2.seen];
    expect(seen.map((request) => request.url).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `/r/${i}`).sort(),
    );
    expect(web1.seen.length).toBeGreaterThanOrEqual(10);
    expect(web2.seen.length).toBeGreaterThanOrEqual(10);
    expect(seen.find((request) => request.method === 'POST')?.body).toBe(body);
    expect(JSON.parse(answered[0]?.body ?? '{}')).toMatchObject({ body });
    await eventually(
      () => redis.exists(demandKey(prefix, appId('burst'))),
      (n) => n === 0,
      'demand cleared',
    );
    expect(await metrics(router)).toMatch(
      /^nimbus_router_activator_wait_seconds_count\{service="router"\} 50$/m,
    );
  });

  it('should take a client that left while held out of the queue and the demand', async () => {
    await atZero(router, 'leaving');
    const requests: ClientRequest[] = [];
    const answers = [0, 1, 2].map((i) =>
      get(router, 'leaving', { path: `/${i}` }, (request) => requests.push(request)).catch(() => undefined),
    );
    await eventually(
      () => demand('leaving'),
      (held) => held === 3,
      'demand of 3',
    );
    requests[0]?.destroy();
    await eventually(
      () => demand('leaving'),
      (held) => held === 2,
      'demand of 2',
    );
    requests[1]?.destroy();
    requests[2]?.destroy();
    await Promise.all(answers);
    await eventually(
      () => redis.exists(demandKey(prefix, appId('leaving'))),
      (n) => n === 0,
      'demand cleared',
    );
    expect(await metrics(router)).toContain(`${heldMetric('leaving')} 0`);
  });

  it('should hold a WebSocket handshake too, and relay it once the app has an instance', async () => {
    await atZero(router, 'ws');
    const echo = await startUpstream('echo');
    const wss = new WebSocketServer({ server: echo.server });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo: ${String(data)}`)));
    const port = new URL(router.url).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}/socket`, {
      headers: { host: `${host('ws')}:${port}` },
    });
    await eventually(
      () => demand('ws'),
      (held) => held === 1,
      'demand of 1',
    );
    await publish('ws', [echo.endpoint]);
    await once(client, 'open');
    client.send('ping');
    const [message] = (await once(client, 'message')) as [Buffer];
    expect(String(message)).toBe('echo: ping');
    client.close();
    await once(client, 'close');
    wss.close();
  });

  it('should live through a client resetting a WebSocket handshake it holds', async () => {
    await atZero(router, 'reset');
    const port = Number(new URL(router.url).port);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `GET /socket HTTP/1.1\r\nHost: ${host('reset')}:${port}\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await eventually(
      () => demand('reset'),
      (held) => held === 1,
      'demand of 1',
    );
    socket.resetAndDestroy();
    await eventually(
      () => demand('reset'),
      (held) => held === 0,
      'demand of 0',
    );
    await publish('reset', [web1.endpoint]);
    await eventually(
      () => get(router, 'reset'),
      (answer) => answer.status === 200,
      'the router to answer',
    );
  });

  it('should still refuse at once an app with no instances that is not at zero on purpose', async () => {
    await publish('stopped', [], { activatable: false });
    const answer = await eventually(
      () => get(router, 'stopped'),
      (reply) => reply.status !== 404,
      'route',
    );
    expect(answer.status).toBe(503);
    expect(problemOf(answer).code).toBe('router/no-instances');
    expect(await redis.exists(demandKey(prefix, appId('stopped')))).toBe(0);
  });

  it('should hold requests while an app starts, forward them when it is ready, refuse them when it crashes', async () => {
    await publish('booting', [], { activatable: false, starting: true });
    await eventually(
      () => metrics(router),
      (text) => text.includes(`${heldMetric('booting')} 0`),
      'route starting',
    );
    const first = get(router, 'booting', { path: '/first' });
    await eventually(
      () => metrics(router),
      (text) => text.includes(`${heldMetric('booting')} 1`),
      'the request held',
    );
    await publish('booting', [web1.endpoint]);
    expect((await first).status).toBe(200);

    await publish('booting', [], { activatable: false, starting: true });
    const second = get(router, 'booting', { path: '/second' });
    await eventually(
      () => metrics(router),
      (text) => text.includes(`${heldMetric('booting')} 1`),
      'the second request held',
    );
    await publish('booting', [], { activatable: false });
    const refused = await second;
    expect(refused.status).toBe(503);
    expect(problemOf(refused).code).toBe('router/no-instances');
  });

  describe('with a short timeout and a small queue', () => {
    let small: RunningRouter;

    beforeAll(async () => {
      small = await start({ NIMBUS_ACTIVATOR_TIMEOUT: '1s', NIMBUS_ACTIVATOR_QUEUE: '2' });
    });

    it('should answer 503 with Retry-After once the queue is full, and when the app does not start', async () => {
      await atZero(small, 'slow');
      const held = [get(small, 'slow'), get(small, 'slow', { accept: 'text/html' })];
      await eventually(
        () => demand('slow'),
        (count) => count === 2,
        'demand of 2',
      );
      const full = await get(small, 'slow');
      expect(full.status).toBe(503);
      expect(full.headers['retry-after']).toBe('1');
      expect(problemOf(full).code).toBe('router/app-starting');
      expect(problemOf(full).detail).toContain('too many requests are waiting');

      const [json, html] = await Promise.all(held);
      expect(json?.status).toBe(503);
      expect(json?.headers['retry-after']).toBeDefined();
      expect(problemOf(json as Answer)).toMatchObject({ code: 'router/start-timeout' });
      expect(problemOf(json as Answer).detail).toContain('had no instance ready within 1 s');
      expect(html?.headers['content-type']).toMatch(/^text\/html/);
      expect(html?.body).toContain('App did not start');
      await eventually(
        () => redis.exists(demandKey(prefix, appId('slow'))),
        (n) => n === 0,
        'demand cleared',
      );
      const text = await metrics(small);
      expect(text).toContain(
        'nimbus_router_activator_rejected_total{reason="queue_full",service="router"} 1',
      );
      expect(text).toContain('nimbus_router_activator_rejected_total{reason="timeout",service="router"} 2');
    });

    it('should answer what is still held when the router stops before the app starts', async () => {
      const stopping = await start({ NIMBUS_ROUTER_DRAIN_TIMEOUT: '200ms' });
      await atZero(stopping, 'closing');
      const held = get(stopping, 'closing');
      await eventually(
        () => demand('closing'),
        (count) => count === 1,
        'demand of 1',
      );
      await stopping.close();
      const answer = await held;
      expect(answer.status).toBe(503);
      expect(problemOf(answer).code).toBe('router/stopping');
      await eventually(
        () => redis.exists(demandKey(prefix, appId('closing'))),
        (n) => n === 0,
        'demand cleared',
      );
    });
  });
});
