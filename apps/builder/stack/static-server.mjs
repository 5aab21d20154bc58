// The `web` process of every static-site image: serves the app's files on $PORT.
//
// Written by hand because it runs inside app images, which carry only the app and the runtime
// stack: a library (serve-static and the like) would have to be vendored into each image. It
// is small on purpose; what it must never do is serve a file outside the site's root.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('error: PORT must be set to a TCP port\n');
  process.exit(1);
}
const root = await realpath(resolve(process.env.NIMBUS_STATIC_ROOT ?? process.cwd()));

const inside = (path) => path === root || path.startsWith(root + sep);
const statOrNull = (path) => stat(path).catch(() => null);

/** The file a URL path names, or a redirect for a directory without its slash, or null. */
async function locate(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const segments = decoded.split('/').filter(Boolean);
  // No dotfiles (.env, .git) and no parent segments, however encoded.
  if (decoded.includes('\0') || decoded.includes('\\') || segments.some((s) => s.startsWith('.')))
    return null;
  let file = join(root, ...segments);
  let info = await statOrNull(file);
  if (info?.isDirectory()) {
    if (!urlPath.endsWith('/')) return { redirect: `${urlPath}/` };
    file = join(file, 'index.html');
    info = await statOrNull(file);
  } else if (!info && extname(file) === '') {
    file = `${file}.html`;
    info = await statOrNull(file);
  }
  if (!info?.isFile()) return null;
  // A symlink may point anywhere: only its target's real place counts.
  const real = await realpath(file).catch(() => null);
  return real && inside(real) ? { file: real, info } : null;
}

function log(request, status, started) {
  const ms = Math.round((performance.now() - started) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ method: request.method, path: request.url, status, ms })}\n`);
}

async function serveFile(request, response, status, { file, info }) {
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  response.setHeader('ETag', etag);
  response.setHeader('Last-Modified', info.mtime.toUTCString());
  response.setHeader('Cache-Control', type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (status === 200 && request.headers['if-none-match'] === etag) {
    response.writeHead(304).end();
    return 304;
  }
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': info.size });
  if (request.method === 'HEAD') response.end();
  else
    createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
  return status;
}

const server = createServer(async (request, response) => {
  const started = performance.now();
  let status;
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      status = 405;
      response
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
    } else {
      const { pathname, search } = new URL(request.url ?? '/', 'http://static');
      const found = await locate(pathname);
      if (found?.redirect) {
        status = 301;
        response.writeHead(301, { Location: found.redirect + search }).end();
      } else if (found) {
        status = await serveFile(request, response, 200, found);
      } else {
        const notFoundPage = await locate('/404.html');
        if (notFoundPage?.file) status = await serveFile(request, response, 404, notFoundPage);
        else {
          status = 404;
          response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
        }
      }
    }
  } catch {
    status = 500;
    if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('internal error\n');
  }
  log(request, status, started);
});

server.listen(port, () => process.stdout.write(`${JSON.stringify({ msg: 'serving', root, port })}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
