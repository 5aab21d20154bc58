import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import {
  certificatesKey,
  encodeAppEndpoints,
  endpointsKey,
  publishWake,
  type EdgeCertificate,
  type Endpoint,
} from '@nimbus/cluster';
import { sealForEdge } from '@nimbus/crypto';
import { createLogger } from '@nimbus/logging';
import { MetricsStore } from '@nimbus/metrics';
import {
  createTestCertificateAuthority,
  createTestRedisPrefix,
  freePort,
  testEnvironment,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from '@nimbus/testing';
import { routerConfigSchema } from '../src/router.config';
import { startRouter, type RunningRouter } from '../src/router';
import { closeUpstreams, send, startUpstream, type Answer, type Upstream } from './support/http';

// HAProxy in front of the Node router (NIMBUS_EDGE=haproxy, the default), programmed at run time.
const DOMAIN = 'localhost';
const host = (app: string) => `${app}.prod.acme.${DOMAIN}`;

const run = promisify(execFile);

describe('edge (HAProxy)', () => {
  const { TEST_REDIS_URL } = testEnvironment();
  const prefix = createTestRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const accessLog: string[] = [];
  let router: RunningRouter;
  let web1: Upstream;
  let web2: Upstream;
  /** Issues every certificate here; clients trust it through `trusted`, its certificate's file. */
  let authority: TestCertificateAuthority;
  let trusted: string;
  let platform: IssuedCertificate;
  const edgeKey = randomBytes(32);

  const config = (overrides: Record<string, string> = {}) =>
    routerConfigSchema.parse({
      REDIS_URL: TEST_REDIS_URL,
      NIMBUS_REDIS_PREFIX: prefix,
      NIMBUS_ROUTER_PORT: '0',
      NIMBUS_ROUTER_ADMIN_PORT: '0',
      NIMBUS_DOMAIN: DOMAIN,
      NIMBUS_ACCESS_LOG: 'true',
      NIMBUS_EDGE_SLOTS: '16',
      LOG_LEVEL: 'warn',
      ...overrides,
    });
  const logger = createLogger({ service: 'router', level: 'warn' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      accessLog.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });

  const publish = async (tableHost: string, endpoints: Endpoint[] | null, activatable = false) => {
    if (endpoints) {
      const entry = encodeAppEndpoints({ appId: `app-${tableHost}`, activatable, endpoints });
      await redis.hset(endpointsKey(prefix), tableHost, entry);
    } else await redis.hdel(endpointsKey(prefix), tableHost);
    await publishWake(redis, prefix, { to: 'routers', host: tableHost });
  };
  const get = (hostHeader: string, options: Parameters<typeof send>[1] = {}) =>
    send(router.url, { host: hostHeader, ...options });
  const nameOf = (answer: Answer) => (JSON.parse(answer.body) as { name: string }).name;
  /** Until HAProxy itself sends the host's requests to `upstream` (not to the Node router). */
  const servedByHaproxy = async (hostHeader: string, upstream: Upstream) => {
    const address = `127.0.0.1:${upstream.endpoint().port}`;
    for (let i = 0; i < 300; i++) {
      // Refused while HAProxy restarts.
      const answer = await get(hostHeader).catch(() => undefined);
      if (answer?.status === 200 && nameOf(answer) === upstream.name) {
        const line = await logLineOf(answer.headers['x-request-id'] as string);
        if (line.upstream === address) return;
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    throw new Error(`HAProxy never served ${hostHeader} from ${upstream.name}`);
  };
  const logLineOf = async (requestId: string): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 100; i++) {
      const line = accessLog
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.requestId === requestId);
      if (line) return line;
      await new Promise((done) => setTimeout(done, 10));
    }
    throw new Error(`no access log line for ${requestId}`);
  };

  beforeAll(async () => {
    await redis.connect();
    [web1, web2] = await Promise.all([startUpstream('web-1'), startUpstream('web-2')]);
    authority = await createTestCertificateAuthority();
    trusted = join(authority.directory, 'trusted.pem');
    await writeFile(trusted, authority.certificatePem);
    platform = await authority.issue({ altNames: [`*.prod.acme.${DOMAIN}`] });
    router = await startRouter(
      config({
        NIMBUS_ROUTER_TLS_PORT: '0',
        NIMBUS_TLS_CERT: platform.chainFile,
        NIMBUS_TLS_KEY: platform.keyFile,
        NIMBUS_EDGE_KEY: edgeKey.toString('base64'),
      }),
      logger,
      { edgeAccessLog: sink },
    );
  });

  afterAll(async () => {
    await router?.close();
    closeUpstreams();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await authority.remove();
    // Connections closed above finish closing on later turns: none is left to the next file.
    for (let turn = 0; turn < 100 && process.getActiveResourcesInfo().includes('TCPSocketWrap'); turn++)
      await new Promise((done) => setTimeout(done, 10));
  });

  it('should route by host, exact or one-level wildcard, spread across instances, and say so in its log', async () => {
    await publish(host('spread'), [web1.endpoint(), web2.endpoint()]);
    await publish('*.example.com', [web2.endpoint()]);
    await servedByHaproxy(host('spread'), web1);
    const names = new Set<string>();
    for (let i = 0; i < 10; i++) names.add(nameOf(await get(`${host('SPREAD')}:80`)));
    expect(names).toEqual(new Set(['web-1', 'web-2']));

    await servedByHaproxy('shop.example.com', web2);
    // A wildcard covers one level: deeper names and the parent are nobody's.
    expect((await get('a.b.example.com')).status).toBe(404);
    expect((await get('example.com')).status).toBe(404);

    const answer = await get(host('spread'), { path: '/orders/7?token=secret' });
    const line = await logLineOf(answer.headers['x-request-id'] as string);
    expect(line).toMatchObject({
      level: 30,
      service: 'router',
      msg: 'request',
      method: 'GET',
      host: host('spread'),
      path: '/orders/7',
      status: 200,
      retries: '0',
    });
    expect([web1, web2].map((web) => `127.0.0.1:${web.endpoint().port}`)).toContain(line.upstream);
    expect(typeof line.latencyMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('should tell the app who asked: X-Request-Id, Forwarded and X-Forwarded-*', async () => {
    await publish(host('headers'), [web1.endpoint()]);
    await servedByHaproxy(host('headers'), web1);
    const port = new URL(router.url).port;
    const hostHeader = `${host('headers')}:${port}`;
    const answer = await get(hostHeader, {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        forwarded: 'for=203.0.113.9',
      },
    });
    const seen = (JSON.parse(answer.body) as { headers: IncomingHttpHeaders }).headers;
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-request-id']).toBe(seen['x-request-id']);
    expect(seen.forwarded).toBe(`for=203.0.113.9, for=127.0.0.1;host="${hostHeader}";proto=http`);
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(hostHeader);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(port);

    const kept = await get(hostHeader, { headers: { 'x-request-id': 'client-chosen-id-0123456789' } });
    expect(kept.headers['x-request-id']).toBe('client-chosen-id-0123456789');
    const replaced = await get(hostHeader, { headers: { 'x-request-id': 'bad id' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should serve HTTPS with the platform certificate, in HTTP/2 when the client offers it', async () => {
    await publish(host('secure'), [web1.endpoint()]);
    await servedByHaproxy(host('secure'), web1);
    const port = new URL(router.tlsUrl as string).port;
    const curl = async (...flags: string[]) => {
      const { stdout } = await run('curl', [
        '-sS',
        ...flags,
        '--cacert',
        trusted,
        '--resolve',
        `${host('secure')}:${port}:127.0.0.1`,
        '-w',
        '\n%{http_version}',
        `https://${host('secure')}:${port}/`,
      ]);
      const [body, version] = stdout.split('\n');
      return { version, seen: (JSON.parse(body as string) as { headers: IncomingHttpHeaders }).headers };
    };
    // curl checks the name against the certificate: the right one was served for this host (SNI).
    const h2 = await curl('--http2');
    expect(h2.version).toBe('2');
    expect(h2.seen['x-forwarded-proto']).toBe('https');
    expect(h2.seen['x-forwarded-port']).toBe(port);
    expect(h2.seen.forwarded).toMatch(/;proto=https$/);
    expect((await curl('--http1.1')).version).toBe('1.1');
    // Plain HTTP still says so.
    const plain = JSON.parse((await get(host('secure'))).body) as { headers: IncomingHttpHeaders };
    expect(plain.headers['x-forwarded-proto']).toBe('http');
  });

  it("should serve an app's own certificate for its own names only, and redirect its plain HTTP when asked", async () => {
    const shop = 'shop.example.test';
    const publishShop = async (httpsRedirect: boolean) => {
      const entry = encodeAppEndpoints({
        appId: 'app-shop',
        activatable: false,
        endpoints: [web1.endpoint()],
        httpsRedirect,
      });
      await redis.hset(endpointsKey(prefix), shop, entry);
      await publishWake(redis, prefix, { to: 'routers', host: shop });
    };
    await publishShop(false);
    await servedByHaproxy(shop, web1);
    // Valid for a second name, which is not the app's: the orchestrator lists only the app's own.
    const own = await authority.issue({ altNames: [shop, 'bank.example.test'] });
    const pem = own.chainPem + own.keyPem;
    const entry: EdgeCertificate = {
      appId: 'app-shop',
      serves: [shop],
      fingerprint: 'f1',
      sealed: sealForEdge(edgeKey, 'cert-1', pem),
    };
    await redis.hset(certificatesKey(prefix), 'cert-1', JSON.stringify(entry));
    await publishWake(redis, prefix, { to: 'routers', certificate: 'cert-1' });

    const port = new URL(router.tlsUrl as string).port;
    const curl = (name: string, trusting = trusted) =>
      run('curl', [
        '-sS',
        '--http2',
        '--cacert',
        trusting,
        '--resolve',
        `${name}:${port}:127.0.0.1`,
        '-w',
        '\n%{http_version}',
        `https://${name}:${port}/`,
      ]).then(
        ({ stdout }) => stdout.split('\n')[1],
        () => 'refused',
      );
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 200; i++) {
        if (await check()) return;
        await new Promise((done) => setTimeout(done, 25));
      }
      throw new Error(`never: ${what}`);
    };
    await until('the app certificate to be served', async () => (await curl(shop)) === '2');
    // Another name of the certificate gets the platform's, which does not name it.
    expect(await curl('bank.example.test')).toBe('refused');
    // A client that trusts another authority aborts the handshake: logged in the access log's
    // JSON shape, as a warning.
    const stranger = join(authority.directory, 'stranger.pem');
    await writeFile(stranger, platform.certificatePem);
    expect(await curl(shop, stranger)).toBe('refused');
    await until('the refused handshake to be logged', async () =>
      accessLog.some((line) => (JSON.parse(line) as { msg: string }).msg === 'connection error'),
    );

    await publishShop(true);
    let redirect: Answer | undefined;
    await until('plain HTTP to be redirected', async () => {
      redirect = await get(shop, { path: '/cart?id=7' });
      return redirect.status === 308;
    });
    expect(redirect?.headers.location).toBe(`https://${shop}:${port}/cart?id=7`);
    // Over HTTPS the app answers.
    expect(await curl(shop)).toBe('2');

    await redis.hdel(certificatesKey(prefix), 'cert-1');
    await publishWake(redis, prefix, { to: 'routers', certificate: 'cert-1' });
    await until('the app certificate to be gone', async () => (await curl(shop)) === 'refused');
    await publishShop(false);
    await until('plain HTTP to be served again', async () => (await get(shop)).status === 200);
  });

  it('should retry a refused connection on another instance, so no request fails', async () => {
    const refusing = { instanceId: 'refusing', host: '127.0.0.1', port: await freePort() };
    await publish(host('refused'), [refusing, web1.endpoint()]);
    await servedByHaproxy(host('refused'), web1);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => get(host('refused'), { method: 'POST' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
  });

  it('should drain an instance taken out of the table: no new request, the one in flight finishes', async () => {
    let release: () => void = () => undefined;
    const slow = await startUpstream('slow', (request, response) => {
      if (request.url === '/slow') release = () => response.end(JSON.stringify({ name: 'slow' }));
      else response.end(JSON.stringify({ name: 'slow' }));
    });
    await publish(host('drain'), [slow.endpoint()]);
    await servedByHaproxy(host('drain'), slow);
    const inFlight = get(host('drain'), { path: '/slow' });
    while (slow.seen.length < 2 || !release.name) await new Promise((done) => setTimeout(done, 10));
    await publish(host('drain'), [web2.endpoint()]);
    await servedByHaproxy(host('drain'), web2);
    const seenBefore = slow.seen.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(host('drain'))));
    expect(answers.map(nameOf)).toEqual(Array(10).fill('web-2'));
    expect(slow.seen.length).toBe(seenBefore);
    release();
    expect(nameOf(await inFlight)).toBe('slow');
  });

  it('should pass a WebSocket through', async () => {
    const echo = await startUpstream('echo');
    const wss = new WebSocketServer({ server: echo.server });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo: ${String(data)}`)));
    await publish(host('ws'), [echo.endpoint()]);
    await servedByHaproxy(host('ws'), echo);
    const port = new URL(router.url).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host: host('ws') } });
    await once(client, 'open');
    client.send('ping');
    const [message] = (await once(client, 'message')) as [Buffer];
    expect(String(message)).toBe('echo: ping');
    client.close();
    await once(client, 'close');
    wss.close();
  });

  it("should answer in the router's words when every instance fails", async () => {
    const dropping = await startUpstream('dropping', (request) => request.socket.destroy());
    await publish(host('failing'), [dropping.endpoint()]);
    for (let i = 0; i < 100 && (await get(host('failing'))).status !== 502; i++)
      await new Promise((done) => setTimeout(done, 20));
    const answer = await get(host('failing'));
    expect(answer.status).toBe(502);
    const requestId = answer.headers['x-request-id'] as string;
    expect(answer.body).toBe(
      `Bad gateway: ${host('failing')} did not answer: its instances refused or dropped the connection.\n` +
        `(502 router/bad-gateway, request ${requestId})\n`,
    );
  });

  it("should answer unknown hosts and apps with no instance with the Nimbus router's pages", async () => {
    const unknown = await get(host('nope'), { headers: { accept: 'application/problem+json' } });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'router/unknown-host' });
    await publish(host('empty'), []);
    for (let i = 0; i < 100 && (await get(host('empty'))).status === 404; i++)
      await new Promise((done) => setTimeout(done, 10));
    const empty = await get(host('empty'), { headers: { accept: 'application/problem+json' } });
    expect(empty.status).toBe(503);
    expect(JSON.parse(empty.body)).toMatchObject({ code: 'router/no-instances' });
  });

  it('should pass a request for an app at zero to the activator, which holds it until an instance is ready', async () => {
    await publish(host('cold'), [], true);
    await new Promise((done) => setTimeout(done, 100));
    const held = get(host('cold'));
    await new Promise((done) => setTimeout(done, 200));
    await publish(host('cold'), [web1.endpoint()], true);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(nameOf(answer)).toBe('web-1');
  });

  it("should report each app's request rate and concurrency from HAProxy's counters", async () => {
    const slow = await startUpstream('counted', (request, response) => {
      setTimeout(() => response.end(JSON.stringify({ name: 'counted' })), 50);
    });
    await publish(host('counted'), [slow.endpoint()]);
    await servedByHaproxy(host('counted'), slow);
    const store = new MetricsStore(redis, { prefix, retentionMs: 60_000 });
    const from = Math.floor(Date.now() / 1000) * 1000;
    let sent = 0;
    const until = Date.now() + 2_000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          expect((await get(host('counted'))).status).toBe(200);
          sent += 1;
        }
      }),
    );
    let reported = 0;
    let concurrency: number[] = [];
    for (let tries = 0; tries < 40 && reported < sent; tries++) {
      await new Promise((done) => setTimeout(done, 100));
      const series = await store.series(
        `app-${host('counted')}`,
        from,
        Math.ceil(Date.now() / 1000) * 1000,
        1000,
      );
      const web = series.processTypes.find((type) => type.processType === 'web');
      reported = web?.rps.reduce((sum, point) => sum + (point.value ?? 0), 0) ?? 0;
      concurrency = web?.concurrency.map((point) => point.value ?? 0) ?? [];
    }
    // At least what was sent here: the probe of the first request to reach HAProxy's slot adds some.
    expect(reported).toBeGreaterThanOrEqual(sent);
    expect(Math.max(...concurrency)).toBeGreaterThan(1);
    expect(Math.max(...concurrency)).toBeLessThanOrEqual(4.01);
  });

  it('should start HAProxy again if it dies, and program it again', async () => {
    await publish(host('phoenix'), [web1.endpoint()]);
    await servedByHaproxy(host('phoenix'), web1);
    const { stdout } = await run('pgrep', ['-P', String(process.pid), 'haproxy']);
    const pids = stdout.trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    process.kill(pids[0] as number, 'SIGKILL');
    await servedByHaproxy(host('phoenix'), web1);
    const { stdout: after } = await run('pgrep', ['-P', String(process.pid), 'haproxy']);
    expect(Number(after.trim())).not.toBe(pids[0]);
  });

  it('should report HAProxy in readiness and fail to start, leaving nothing behind, when its port is taken', async () => {
    const adminUrl = router.adminUrl as string;
    const ready = JSON.parse((await send(adminUrl, { path: '/readyz' })).body) as {
      checks: Record<string, string>;
    };
    expect(ready.checks).toEqual({ endpoints: 'ok', edge: 'ok' });

    const taken = createTcpServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = String((taken.address() as AddressInfo).port);
    await expect(
      startRouter(config({ NIMBUS_ROUTER_PORT: port, NIMBUS_REDIS_PREFIX: createTestRedisPrefix() }), logger),
    ).rejects.toThrow(/haproxy exited/);
    taken.close();
    // A key that is not the certificate's, a file that is not there: refused at start, saying which.
    const other = await authority.issue({ altNames: ['other.example'] });
    const startWith = (cert: string, key: string) =>
      startRouter(
        config({
          NIMBUS_REDIS_PREFIX: createTestRedisPrefix(),
          NIMBUS_ROUTER_TLS_PORT: '0',
          NIMBUS_TLS_CERT: cert,
          NIMBUS_TLS_KEY: key,
        }),
        logger,
      );
    await expect(startWith(platform.chainFile, other.keyFile)).rejects.toThrow(
      /NIMBUS_TLS_KEY: the key is not the certificate's/,
    );
    await expect(startWith(platform.chainFile, join(authority.directory, 'missing.pem'))).rejects.toThrow(
      /NIMBUS_TLS_KEY: cannot read/,
    );
  });
});
