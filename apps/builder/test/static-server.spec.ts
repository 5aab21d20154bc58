import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@nimbus/testing';

const SERVER = resolve(__dirname, '../stack/static-server.mjs');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('static site server', () => {
  let site: string;
  let outside: string;
  let server: ChildProcess;
  let port: number;

  /** A raw request: the path goes out exactly as written, unnormalised. */
  const get = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
    new Promise<Reply>((done, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', fail);
      req.end();
    });

  beforeAll(async () => {
    // The secret sits right beside the site, where a `..` would reach it.
    outside = await mkdtemp(join(tmpdir(), 'nimbus-static-'));
    site = join(outside, 'site');
    await mkdir(site);
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await writeFile(join(site, 'index.html'), '<h1>home</h1>');
    await writeFile(join(site, 'about.html'), '<h1>about</h1>');
    await writeFile(join(site, '404.html'), '<h1>lost</h1>');
    await writeFile(join(site, '.env'), 'TOKEN=x');
    await mkdir(join(site, 'css'));
    await writeFile(join(site, 'css', 'site.css'), 'body{}');
    await mkdir(join(site, 'docs'));
    await writeFile(join(site, 'docs', 'index.html'), '<h1>docs</h1>');
    await symlink(join(outside, 'secret.txt'), join(site, 'leak.txt'));
    port = await freePort();
    server = spawn(process.execPath, [SERVER], {
      cwd: site,
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: 'pipe',
    });
    await new Promise<void>((done) => server.stdout!.once('data', () => done()));
  });
  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await rm(outside, { recursive: true, force: true });
  });

  it('should serve pages and assets with their types', async () => {
    expect(await get('/')).toMatchObject({
      status: 200,
      body: '<h1>home</h1>',
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
    expect(await get('/css/site.css')).toMatchObject({
      status: 200,
      headers: { 'content-type': 'text/css; charset=utf-8' },
    });
    expect((await get('/about')).body).toBe('<h1>about</h1>');
    expect(await get('/docs')).toMatchObject({ status: 301, headers: { location: '/docs/' } });
    expect((await get('/docs/?q=1')).body).toBe('<h1>docs</h1>');
  });

  it('should never serve what lies outside the site or is hidden', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/css/%2e%2e/%2e%2e/secret.txt',
      '/.env',
      '/%2eenv',
      '/leak.txt',
      '/x%00.html',
    ]) {
      const reply = await get(path);
      expect({ path, status: reply.status }).toEqual({ path, status: 404 });
      expect(reply.body).not.toContain('secret');
    }
  });

  it('should answer missing files with the site 404 page', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, body: '<h1>lost</h1>' });
  });

  it('should support HEAD, conditional requests, and refuse other methods', async () => {
    const head = await get('/css/site.css', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '', headers: { 'content-length': '6' } });
    expect((await get('/css/site.css', 'GET', { 'If-None-Match': String(head.headers.etag) })).status).toBe(
      304,
    );
    expect(await get('/', 'POST')).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
  });

  it('should stop cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
