import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

const CHECK_TIMEOUT_MS = 2000;

export interface HealthServerOptions {
  port: number;
  host: string;
  /** Dependencies that must answer for /readyz to say ready, by name. */
  checks: Record<string, () => Promise<unknown>>;
  registry: Registry;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

const withTimeout = <T>(work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);

/** /healthz, /readyz and /metrics for a process whose real work is not HTTP. */
export async function startHealthServer({
  port,
  host,
  checks,
  registry,
}: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(405, { status: 'method not allowed' });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      const names = Object.keys(checks);
      void Promise.allSettled(
        names.map((name) => withTimeout((checks[name] as () => Promise<unknown>)())),
      ).then((results) => {
        const states = Object.fromEntries(
          names.map((name, index) => [name, results[index]?.status === 'fulfilled' ? 'ok' : 'down']),
        );
        const ready = Object.values(states).every((state) => state === 'ok');
        send(ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', checks: states });
      });
      return;
    }
    if (path === '/metrics') {
      void registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => send(500, { status: 'metrics unavailable' }),
      );
      return;
    }
    send(404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
