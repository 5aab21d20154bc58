import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeAppEndpoints, endpointsKey, publishWake, type Endpoint } from '@nimbus/cluster';
import { createLogger } from '@nimbus/logging';
import { createTestRedisPrefix, freePort, testEnvironment } from '@nimbus/testing';
import { routerConfigSchema } from '../src/router.config';
import { startRouter, type RunningRouter } from '../src/router';
import { closeUpstreams, send, startUpstream, type Answer, type Upstream } from './support/http';

const DOMAIN = 'localhost';
const host = (app: string) => `${app}.prod.acme.${DOMAIN}`;

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
      .once('connect', () => (socket.destroy(), resolve(true)))
      .once('error', () => resolve(false));
  });

// The Node router's own contract: with NIMBUS_EDGE=node it is the whole edge, and behind HAProxy
// it serves what HAProxy passes on. HAProxy's part is in edge.spec.ts.
describe('router', () => {
  const { TEST_REDIS_URL } = testEnvironment();
  const prefix = createTestRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const logLines: string[] = [];
  let router: RunningRouter;
  let web1: Upstream;
  let web2: Upstream;
  let other: Upstream;

  const configFor = (overrides: Record<string, string> = {}) =>
    routerConfigSchema.parse({
      REDIS_URL: TEST_REDIS_URL,
      NIMBUS_REDIS_PREFIX: prefix,
      NIMBUS_ROUTER_PORT: '0',
      NIMBUS_ROUTER_ADMIN_PORT: '0',
      NIMBUS_DOMAIN: DOMAIN,
      NIMBUS_ACCESS_LOG: 'true',
      NIMBUS_EDGE: 'node',
      LOG_LEVEL: 'info',
      ...overrides,
    });
  const logger = createLogger({
    service: 'router',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  });

  /** What the orchestrator does: write the entry, then announce it. */
  const publish = async (app: string, endpoints: Endpoint[] | null) => {
    if (endpoints) {
      const entry = encodeAppEndpoints({ appId: `app-${app}`, activatable: false, endpoints });
      await redis.hset(endpointsKey(prefix), host(app), entry);
    } else await redis.hdel(endpointsKey(prefix), host(app));
    await publishWake(redis, prefix, { to: 'routers', host: host(app) });
  };
  const get = (app: string, options: Parameters<typeof send>[1] = {}) =>
    send(router.url, { host: `${host(app)}:${new URL(router.url).port}`, ...options });
  const nameOf = (answer: Answer) => (JSON.parse(answer.body) as { name: string }).name;
  /** Publishes, then asks until the router answers as `expected` says; how long that took. */
  const propagation = async (expected: (answer: Answer) => boolean, app: string) => {
    const started = performance.now();
    for (;;) {
      if (expected(await get(app))) return performance.now() - started;
      if (performance.now() - started > 5_000) throw new Error('the router never saw the change');
      await new Promise((done) => setTimeout(done, 2));
    }
  };

  beforeAll(async () => {
    await redis.connect();
    [web1, web2, other] = await Promise.all([
      startUpstream('web-1'),
      startUpstream('web-2'),
      startUpstream('other'),
    ]);
    // Written before the router starts and never announced: only the initial load can find it.
    // A bare array, as an orchestrator older than the activator writes: still routed.
    await redis.hset(endpointsKey(prefix), host('early'), JSON.stringify([other.endpoint()]));
    router = await startRouter(configFor(), logger);
  });

  afterAll(async () => {
    await router?.close();
    closeUpstreams();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  it('should load the table that existed before it started', async () => {
    const answer = await get('early');
    expect(answer.status).toBe(200);
    expect(nameOf(answer)).toBe('other');
  });

  it('should route by host to the right app, whatever the port and case of the Host header', async () => {
    await publish('one', [web1.endpoint()]);
    await publish('two', [other.endpoint()]);
    await propagation((answer) => answer.status === 200, 'two');
    expect(nameOf(await get('one'))).toBe('web-1');
    expect(nameOf(await get('two', { path: '/deep/path?x=1' }))).toBe('other');
    expect(other.seen.at(-1)?.url).toBe('/deep/path?x=1');
    expect(nameOf(await send(router.url, { host: host('ONE').toUpperCase() }))).toBe('web-1');
    expect(nameOf(await send(router.url, { host: `${host('one')}:80` }))).toBe('web-1');
  });

  it('should spread requests across the instances of an app', async () => {
    await publish('spread', [web1.endpoint(), web2.endpoint()]);
    await propagation((answer) => answer.status === 200, 'spread');
    const names: string[] = [];
    for (let i = 0; i < 10; i++) names.push(nameOf(await get('spread')));
    expect(names.filter((name) => name === 'web-1').length).toBe(5);
    expect(names.filter((name) => name === 'web-2').length).toBe(5);
    // Concurrent requests spread too.
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => get('spread')));
    const onWeb1 = concurrent.filter((answer) => nameOf(answer) === 'web-1').length;
    expect(onWeb1).toBeGreaterThanOrEqual(5);
    expect(onWeb1).toBeLessThanOrEqual(15);
  });

  it('should pick up a change pushed through Redis within 100 ms', async () => {
    await publish('moving', [web1.endpoint()]);
    await propagation((answer) => answer.status === 200, 'moving');
    expect(nameOf(await get('moving'))).toBe('web-1');
    await publish('moving', [web2.endpoint()]);
    const elapsed = await propagation(
      (answer) => answer.status === 200 && nameOf(answer) === 'web-2',
      'moving',
    );
    expect(elapsed).toBeLessThan(100);
  });

  it('should send nothing more to an instance once it is drained from the table', async () => {
    await publish('drain', [web1.endpoint(), web2.endpoint()]);
    await propagation((answer) => answer.status === 200, 'drain');
    await publish('drain', [web1.endpoint()]);
    // The update is applied once a request that could only be served by web-1 ... keeps being so.
    await propagation((answer) => nameOf(answer) === 'web-1', 'drain');
    const web2Before = web2.seen.length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('drain')));
    expect(answers.every((answer) => answer.status === 200 && nameOf(answer) === 'web-1')).toBe(true);
    expect(web2.seen.length).toBe(web2Before);
  });

  it('should retry a refused connection once on another instance, so no GET fails', async () => {
    const refusing = { instanceId: 'a-refusing', host: '127.0.0.1', port: await freePort() };
    await publish('refused', [refusing, web1.endpoint('b-web-1')]);
    await propagation((answer) => answer.status === 200, 'refused');
    const answers: Answer[] = [];
    for (let i = 0; i < 10; i++) answers.push(await get('refused'));
    answers.push(...(await Promise.all(Array.from({ length: 10 }, () => get('refused')))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const metrics = (await send(`${router.adminUrl}/metrics`)).body;
    expect(metrics).toMatch(/^nimbus_router_retries_total\{[^}]*\} [1-9]/m);
  });

  it('should retry a refused bodiless POST, but never resend a request whose body was streamed', async () => {
    // A fresh route starts with its first instance: a refusing one (each its own: a refusal
    // makes the router pass over that address for a while, whichever app it belongs to).
    const refusing = async () => ({ instanceId: 'a-refusing', host: '127.0.0.1', port: await freePort() });
    await publish('post-empty', [await refusing(), web1.endpoint('b-web-1')]);
    await publish('post-body', [await refusing(), web2.endpoint('b-web-2')]);
    await new Promise((done) => setTimeout(done, 50));

    const empty = await get('post-empty', { method: 'POST' });
    expect(empty.status).toBe(200);
    const web2Before = web2.seen.length;
    const withBody = await get('post-body', {
      method: 'POST',
      body: '{"charge":1}',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    expect(withBody.status).toBe(502);
    expect(JSON.parse(withBody.body)).toMatchObject({ status: 502, code: 'router/bad-gateway' });
    expect(web2.seen.length).toBe(web2Before);
  });

  it('should retry a dropped connection for GET but not for POST, which the app may have acted on', async () => {
    const dropping = await startUpstream('dropping', (request) => request.socket.destroy());
    await publish('drop-get', [dropping.endpoint('a-dropping'), web1.endpoint('b-web-1')]);
    await publish('drop-post', [dropping.endpoint('a-dropping'), web2.endpoint('b-web-2')]);
    await propagation((answer) => answer.status !== 404, 'drop-post');
    await publish('drop-get', [dropping.endpoint('a-dropping'), web1.endpoint('b-web-1')]);
    await publish('drop-post', [dropping.endpoint('a-dropping'), web2.endpoint('b-web-2')]);
    await new Promise((done) => setTimeout(done, 50));

    const seenBefore = dropping.seen.length;
    expect((await get('drop-get')).status).toBe(200);
    expect(dropping.seen.length).toBe(seenBefore + 1);
    const web2Before = web2.seen.length;
    expect((await get('drop-post', { method: 'POST' })).status).toBe(502);
    expect(dropping.seen.length).toBe(seenBefore + 2);
    expect(web2.seen.length).toBe(web2Before);
  });

  it('should answer 404 for hosts it does not route, as text, HTML or problem+json', async () => {
    const port = new URL(router.url).port;
    for (const unknown of [
      'example.com',
      `nope.prod.acme.${DOMAIN}`,
      `acme.${DOMAIN}`,
      `a.b.c.d.${DOMAIN}`,
    ]) {
      const answer = await send(router.url, { host: `${unknown}:${port}` });
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.body).toContain('No such app');
    }
    const json = await send(router.url, {
      host: `nope.prod.acme.${DOMAIN}`,
      headers: { accept: 'application/json' },
    });
    expect(json.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(json.body)).toMatchObject({
      status: 404,
      code: 'router/unknown-host',
      detail: `There is no app at nope.prod.acme.${DOMAIN}.`,
      requestId: json.headers['x-request-id'],
    });
    const html = await send(router.url, {
      host: '<script>.prod.acme.localhost',
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(html.status).toBe(404);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('&#60;script&#62;');
    expect(html.body).not.toContain('<script>');
  });

  it('should answer 503 for an app in the table with no ready instances', async () => {
    await publish('idle', []);
    await propagation((answer) => answer.status !== 404, 'idle');
    const answer = await get('idle', { headers: { accept: 'application/json' } });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'router/no-instances' });
    expect(JSON.parse(answer.body).detail).toContain(`${host('idle')} has no running instances`);
    // Deleted from the table: unknown again.
    await publish('idle', null);
    await propagation((answer) => answer.status === 404, 'idle');
  });

  it('should answer 502 when every instance fails', async () => {
    const refusing = [1, 2].map(async (n) => ({
      instanceId: `r${n}`,
      host: '127.0.0.1',
      port: await freePort(),
    }));
    await publish('down', await Promise.all(refusing));
    await propagation((answer) => answer.status !== 404, 'down');
    const answer = await get('down');
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('Bad gateway');
  });

  it('should tell the app who asked: X-Request-Id, Forwarded and X-Forwarded-*', async () => {
    await publish('headers', [web1.endpoint()]);
    await propagation((answer) => answer.status === 200, 'headers');
    const port = new URL(router.url).port;
    const hostHeader = `${host('headers')}:${port}`;

    const fresh = await get('headers', {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'spoofed.example',
        'x-forwarded-proto': 'https',
        forwarded: 'for=203.0.113.9',
        connection: 'keep-alive, x-hop',
        'x-hop': 'must not pass',
      },
    });
    const seen = (JSON.parse(fresh.body) as { headers: IncomingHttpHeaders }).headers;
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.headers['x-request-id']).toBe(seen['x-request-id']);
    expect(seen.host).toBe(hostHeader);
    expect(seen.forwarded).toBe(`for=203.0.113.9, for=127.0.0.1;host="${hostHeader}";proto=http`);
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(hostHeader);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(port);
    expect(seen['x-hop']).toBeUndefined();

    const kept = await get('headers', { headers: { 'x-request-id': 'client-chosen-id-0123456789' } });
    expect(kept.headers['x-request-id']).toBe('client-chosen-id-0123456789');
    expect(web1.seen.at(-1)?.headers['x-request-id']).toBe('client-chosen-id-0123456789');
    const replaced = await get('headers', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should pass a WebSocket through', async () => {
    const echo = await startUpstream('echo');
    const wss = new WebSocketServer({ server: echo.server });
    wss.on('connection', (socket, request) => {
      socket.send(`hello from echo, forwarded ${String(request.headers['x-forwarded-for'])}`);
      socket.on('message', (data) => socket.send(`echo: ${String(data)}`));
    });
    await publish('ws', [echo.endpoint()]);
    await propagation((answer) => answer.status === 200, 'ws');

    const port = new URL(router.url).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}/socket`, {
      headers: { host: `${host('ws')}:${port}` },
    });
    const messages: string[] = [];
    client.on('message', (data) => messages.push(String(data)));
    const received = async (count: number) => {
      while (messages.length < count) await once(client, 'message');
    };
    await once(client, 'open');
    await received(1);
    client.send('ping');
    await received(2);
    expect(messages).toEqual(['hello from echo, forwarded 127.0.0.1', 'echo: ping']);
    client.close();
    await once(client, 'close');
    wss.close();

    const unknown = new WebSocket(`ws://127.0.0.1:${port}/`, {
      headers: { host: `nope.prod.acme.${DOMAIN}` },
    });
    const [, response] = (await once(unknown, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(404);
    unknown.on('error', () => undefined); // "closed before the connection was established": as asked
    unknown.terminate();

    // Each WebSocket is logged once it closes, with how its handshake was answered.
    const websocketLines = () =>
      logLines
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .filter((entry) => entry.websocket === true);
    for (let i = 0; i < 50 && websocketLines().length < 2; i++)
      await new Promise((done) => setTimeout(done, 10));
    expect(websocketLines()).toEqual([
      expect.objectContaining({ host: host('ws'), path: '/socket', status: 101, upstream: 'echo' }),
      expect.objectContaining({ host: `nope.prod.acme.${DOMAIN}`, status: 404 }),
    ]);
  });

  it('should write one access log line per request', async () => {
    await publish('logged', [web2.endpoint()]);
    await propagation((answer) => answer.status === 200, 'logged');
    const answer = await get('logged', { path: '/orders/7?token=secret' });
    const requestId = answer.headers['x-request-id'];
    // The line is written when the response closes, just after the client has it.
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = logLines
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.requestId === requestId);
      if (!line) await new Promise((done) => setTimeout(done, 10));
    }
    expect(line).toMatchObject({
      service: 'router',
      msg: 'request',
      method: 'GET',
      host: host('logged'),
      path: '/orders/7',
      status: 200,
      upstream: 'web-2',
      attempts: 1,
    });
    expect(typeof line?.latencyMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('should serve /healthz, /readyz and /metrics on the admin port', async () => {
    expect((await send(`${router.adminUrl}/healthz`)).status).toBe(200);
    const ready = await send(`${router.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ok', checks: { endpoints: 'ok' } });
    const metrics = (await send(`${router.adminUrl}/metrics`)).body;
    expect(metrics).toContain(
      `nimbus_router_requests_total{host="${host('one')}",status_class="2xx",service="router"}`,
    );
    expect(metrics).toContain(`nimbus_router_requests_total{host="",status_class="4xx",service="router"}`);
    expect(metrics).toMatch(/^nimbus_router_upstream_latency_seconds_count\{service="router"\} [1-9]/m);
    expect(metrics).toContain(`nimbus_router_in_flight_requests{host="${host('one')}",service="router"} 0`);
    // App traffic never reaches the admin endpoints.
    expect((await send(router.url, { path: '/metrics', host: 'example.com' })).status).toBe(404);
  });

  it('should count requests in flight per app while they run, and let them finish on close', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = await startUpstream(
      'slow',
      (_request, response) => void released.then(() => response.end('done')),
    );
    const own = await startRouter(configFor({ NIMBUS_ACCESS_LOG: 'false' }), logger);
    try {
      await publish('slow', [slow.endpoint()]);
      await new Promise((done) => setTimeout(done, 50));
      const port = new URL(own.url).port;
      const pending = send(own.url, { host: `${host('slow')}:${port}` });
      for (let i = 0; i < 100 && slow.seen.length === 0; i++)
        await new Promise((done) => setTimeout(done, 10));
      const metrics = (await send(`${own.adminUrl}/metrics`)).body;
      expect(metrics).toContain(
        `nimbus_router_in_flight_requests{host="${host('slow')}",service="router"} 1`,
      );
      const closed = own.close();
      setTimeout(release, 100);
      const answer = await pending;
      expect(answer).toMatchObject({ status: 200, body: 'done' });
      expect(answer.headers.connection).toBe('close');
      await closed;
    } finally {
      release();
      await own.close();
    }
  });

  it('should read the whole table again after Redis comes back, catching changes it missed', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'nimbus-router-redis-'));
    // Persistence on, so what was written before the outage is there when Redis comes back
    // before the router has reconnected.
    const startRedis = async () => {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      for (let i = 0; !(await accepts(port)); i++) {
        if (i === 100) throw new Error('redis-server did not start');
        await new Promise((done) => setTimeout(done, 20));
      }
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true });
      await probe.connect();
      return { child, probe };
    };
    let { child, probe } = await startRedis();
    const own = await startRouter(
      configFor({ REDIS_URL: `redis://127.0.0.1:${port}`, NIMBUS_ACCESS_LOG: 'false' }),
      logger,
    );
    try {
      const ask = () => send(own.url, { host: host('outage') });
      // Written and never announced: a router that neither polls nor reconnects never sees it.
      await probe.hset(endpointsKey(prefix), host('outage'), JSON.stringify([web1.endpoint()]));
      await new Promise((done) => setTimeout(done, 100));
      expect((await ask()).status).toBe(404);
      await probe.save();
      probe.disconnect();
      child.kill('SIGKILL');
      await once(child, 'exit');
      // Routing goes on from the last table while Redis is away; readiness says Redis is gone.
      let readiness = 200;
      for (let i = 0; i < 50 && readiness === 200; i++) {
        readiness = (await send(`${own.adminUrl}/readyz`)).status;
        if (readiness === 200) await new Promise((done) => setTimeout(done, 20));
      }
      expect(readiness).toBe(503);
      expect((await ask()).status).toBe(404);

      ({ child, probe } = await startRedis());
      let answer = await ask();
      for (let i = 0; i < 100 && answer.status !== 200; i++) {
        await new Promise((done) => setTimeout(done, 50));
        answer = await ask();
      }
      expect(nameOf(answer)).toBe('web-1');
      expect((await send(`${own.adminUrl}/readyz`)).status).toBe(200);
    } finally {
      await own.close();
      probe.disconnect();
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
