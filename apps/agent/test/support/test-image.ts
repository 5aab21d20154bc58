import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  LayoutImageStore,
  MediaTypes,
  buildImage,
  sha256Digest,
  writeLayer,
  type ImageLayer,
  type ImageOptions,
} from '@nimbus/oci';

/** The app of the test image: answers HTTP, shows its environment and identity, says bye on SIGTERM. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const read = (path) => { try { return fs.readFileSync(path, 'utf8').trim(); } catch { return null; } };
// Full path on the host; inside a container without a cgroup namespace runc mounts its own group at the root.
const memoryLimit = () => {
  const lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\\n');
  const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('memory'));
  if (v1) return read('/sys/fs/cgroup/memory' + v1.split(':')[2] + '/memory.limit_in_bytes') ?? read('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  const v2 = lines.find((line) => line.startsWith('0::'));
  return read('/sys/fs/cgroup' + v2.slice(3) + '/memory.max') ?? read('/sys/fs/cgroup/memory.max');
};
const attempt = (path) => { try { fs.writeFileSync(path, 'x'); return 'written'; } catch (error) { return error.code; } };
const server = http.createServer((req, res) => {
  if (req.url === '/env') return res.end(JSON.stringify(process.env));
  if (req.url === '/limits') return res.end(JSON.stringify({ memory: memoryLimit() }));
  if (req.url === '/whoami')
    return res.end(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(),
      root: attempt('/probe'), app: attempt('/app/probe'), tmp: attempt('/tmp/probe') }));
  res.end('hello ' + process.env.GREETING);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
`;

const STUBBORN = `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
console.log('stubborn and ready');
setInterval(() => {}, 1000);
`;

/** Stands in for the builder's static-site server under /nimbus. */
const STATIC_SERVER = `
import { createServer } from 'node:http';
createServer((req, res) => res.end('static from /nimbus')).listen(Number(process.env.PORT), '127.0.0.1');
`;

export const TEST_REPOSITORY = 'tenant1/app1';

/** A temp directory; remove it with `rm` in the test's cleanup. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `nimbus-agent-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/**
 * Builds the test image as the builder builds a Node app's (app at /app, WorkingDir /app, PATH
 * starting with /app/node_modules/.bin, no node inside) plus a /nimbus layer, and pushes it into
 * `<layoutRoot>/<TEST_REPOSITORY>`. Returns its digest.
 */
export async function pushTestImage(work: string, layoutRoot: string): Promise<string> {
  const app = join(work, 'app-src');
  const stack = join(work, 'stack-src');
  await mkdir(join(app, 'node_modules', '.bin'), { recursive: true });
  await mkdir(stack, { recursive: true });
  await writeFile(join(app, 'server.js'), SERVER);
  await writeFile(join(app, 'stubborn.js'), STUBBORN);
  await writeFile(
    join(app, 'node_modules', '.bin', 'hello'),
    '#!/bin/sh\necho "hello from the image\'s bin"\n',
  );
  await chmod(join(app, 'node_modules', '.bin', 'hello'), 0o755);
  await writeFile(join(stack, 'static-server.mjs'), STATIC_SERVER);
  const layers = join(work, 'layers');
  const image = buildImage({
    layers: [
      await writeLayer({ sourceDir: stack, outDir: layers, targetDir: '/nimbus' }),
      await writeLayer({ sourceDir: app, outDir: layers, targetDir: '/app' }),
    ],
    env: { NODE_ENV: 'production', PATH: '/app/node_modules/.bin:/usr/local/bin:/usr/bin:/bin' },
    workingDir: '/app',
  });
  return new LayoutImageStore(join(layoutRoot, TEST_REPOSITORY)).push(image);
}

export interface RawEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  linkname?: string;
  mode?: number;
}

/** A layer written entry by entry, for what writeLayer would never produce (whiteouts in any order, hostile paths). */
export async function rawLayer(entries: RawEntry[]): Promise<ImageLayer> {
  const tar = pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const mode = entry.mode ?? (type === 'directory' ? 0o755 : 0o644);
    tar.entry(
      { name: entry.name, type, mode, ...(entry.linkname ? { linkname: entry.linkname } : {}) },
      entry.content ?? '',
    );
  }
  tar.finalize();
  const raw = await collected;
  const gzipped = gzipSync(raw);
  return {
    descriptor: { mediaType: MediaTypes.layerTarGzip, digest: sha256Digest(gzipped), size: gzipped.length },
    diffId: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    open: async () => Readable.from([gzipped]),
  };
}

/** A layer written to `path` entry by entry, as the image cache hands it to applyLayer. */
export async function rawLayerFile(
  path: string,
  entries: RawEntry[],
): Promise<{ path: string; gzip: boolean; diffId: string }> {
  const layer = await rawLayer(entries);
  await pipeline(await layer.open(), createWriteStream(path));
  return { path, gzip: true, diffId: layer.diffId };
}

/** Pushes an image of `layers` (bottom first) and returns its digest. */
export async function pushRawImage(
  layoutRoot: string,
  layers: ImageLayer[],
  options: Partial<ImageOptions> = {},
): Promise<string> {
  return new LayoutImageStore(join(layoutRoot, TEST_REPOSITORY)).push(
    buildImage({ layers, workingDir: '/app', ...options }),
  );
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** GETs a path from the instance, retrying while it is not listening yet. */
export async function httpGet(port: number, path = '/', timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Polls until `check` holds, failing the test after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
