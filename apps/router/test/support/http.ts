import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoint } from '@nimbus/cluster';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  name: string;
  port: number;
  server: Server;
  /** Requests it received, newest last, with the headers it saw. */
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  endpoint(instanceId?: string): Endpoint;
}

/** Every upstream a test file started, for {@link closeUpstreams} (one module per test file). */
const started: Server[] = [];

/** A real app instance on a loopback port: answers with its name and what it received. */
export async function startUpstream(
  name: string,
  handler?: Parameters<typeof createServer>[1],
): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    if (handler) return handler(request, response);
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name, url: request.url, headers: request.headers }));
    });
  });
  started.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    server,
    seen,
    endpoint: (instanceId = name) => ({ instanceId, host: '127.0.0.1', port }),
  };
}

export function closeUpstreams(): void {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
}

export type ClientRequest = ReturnType<typeof httpRequest>;

/**
 * One request with its own connection and any Host header (fetch may not set Host); `sent` gets
 * the client request, to abort it.
 */
export function send(
  url: string,
  options: {
    host?: string;
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
  sent?: (request: ClientRequest) => void,
): Promise<Answer> {
  const target = options.path === undefined ? new URL(url) : new URL(options.path, url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: { ...(options.host && { host: options.host }), ...options.headers },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
    sent?.(req);
  });
}
