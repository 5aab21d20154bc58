import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeHttp, probeTcp } from './probes';

/** A real server on a loopback port, answering each path as `routes` says. */
async function serve(routes: Record<string, { status?: number; body?: string; hang?: boolean }>) {
  const server = createServer((request, response) => {
    const route = routes[request.url ?? ''] ?? { status: 404 };
    if (route.hang) return; // never answers; closing the server ends it
    response.statusCode = route.status ?? 200;
    response.end(route.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('probes', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    ({ server, port } = await serve({
      '/health': { body: 'all ok' },
      '/moved': { status: 302 },
      '/broken': { status: 500 },
      '/slow': { hang: true },
    }));
  });
  afterAll(() => close(server));

  it('should pass a check that answers below 400 with the content asked for', async () => {
    expect(await probeHttp({ path: '/health', timeout: 1, content: 'ok' }, port)).toEqual({ ok: true });
    expect(await probeHttp({ path: '/moved', timeout: 1 }, port)).toEqual({ ok: true });
  });

  it('should say what the check saw when it fails', async () => {
    expect(await probeHttp({ path: '/nowhere', timeout: 1 }, port)).toEqual({
      ok: false,
      failure: 'health check /nowhere answered 404',
    });
    expect(await probeHttp({ path: '/broken', timeout: 1 }, port)).toEqual({
      ok: false,
      failure: 'health check /broken answered 500',
    });
    expect(await probeHttp({ path: '/health', timeout: 1, content: 'ready' }, port)).toEqual({
      ok: false,
      failure: 'health check /health answered 200 but did not contain "ready"',
    });
    expect(await probeHttp({ path: '/slow', timeout: 1 }, port)).toEqual({
      ok: false,
      failure: 'health check /slow timed out after 1s',
    });
  });

  it('should tell a port nothing listens on from one that answers', async () => {
    const { server: gone, port: free } = await serve({});
    await close(gone);
    expect(await probeHttp({ path: '/', timeout: 1 }, free)).toEqual({
      ok: false,
      failure: 'health check / could not connect: nothing listens on $PORT',
    });
    expect(await probeTcp(free)).toEqual({ ok: false, failure: 'nothing answers on $PORT (ECONNREFUSED)' });
    expect(await probeTcp(port)).toEqual({ ok: true });
  });
});
