import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { WheelFile } from './python-wheel';

/** Where Debian's python3-*-whl packages put their wheels. */
const DEBIAN_WHEELS = '/usr/share/python-wheels';

export interface PackageIndex {
  /** `http://127.0.0.1:PORT/simple/`: what pip's `--index-url` (or PIP_INDEX_URL) takes. */
  url: string;
  /** The wheels downloaded so far, by file name, in order. */
  downloads: string[];
  close(): Promise<void>;
}

/** PEP 503's normalised project name: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The project a wheel belongs to, from its file name (`{name}-{version}-{tags}.whl`). */
function projectOf(filename: string): string {
  return normalizeProjectName(filename.split('-')[0] ?? filename);
}

/**
 * Wheels that Debian ships (`python3-setuptools-whl`, `python3-wheel-whl`…), by project name:
 * build backends for pyproject.toml apps, which pip fetches from the index like anything else.
 */
export async function debianWheels(projects: string[]): Promise<WheelFile[]> {
  const present = await readdir(DEBIAN_WHEELS).catch(() => [] as string[]);
  return Promise.all(
    projects.map(async (project) => {
      const filename = present.find((file) => file.endsWith('.whl') && projectOf(file) === project);
      if (!filename)
        throw new Error(`no ${project} wheel in ${DEBIAN_WHEELS}: apt-get install python3-${project}-whl`);
      return { filename, data: await readFile(join(DEBIAN_WHEELS, filename)) };
    }),
  );
}

/**
 * What a build that uses Debian's setuptools wheel needs: Debian patched it for Debian's own
 * distutils (`install_layout`), so it works with /usr/bin/python3's stdlib distutils and fails
 * with the copy setuptools bundles, which it picks by default.
 */
export const DEBIAN_SETUPTOOLS_ENV = { SETUPTOOLS_USE_DISTUTILS: 'stdlib' } as const;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const page = (title: string, links: string[]) =>
  `<!DOCTYPE html>\n<html><head><title>${escape(title)}</title></head><body>\n${links.join('\n')}\n</body></html>\n`;

/**
 * A PEP 503 "simple" package index on 127.0.0.1 serving the given wheels, for tests that build
 * Python apps without the internet: `/simple/` lists projects, `/simple/NAME/` a project's files
 * (with their sha256, which pip checks), `/files/FILE` the wheels themselves.
 */
export async function startPackageIndex(wheels: WheelFile[]): Promise<PackageIndex> {
  const files = new Map(wheels.map((wheel) => [wheel.filename, wheel.data]));
  const projects = new Map<string, string[]>();
  for (const wheel of wheels) {
    const project = projectOf(wheel.filename);
    projects.set(project, [...(projects.get(project) ?? []), wheel.filename]);
  }
  const downloads: string[] = [];

  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://index').pathname);
    const send = (status: number, body: string | Uint8Array, type: string) => {
      response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };
    if (path === '/simple/') {
      const links = [...projects.keys()].map((project) => `<a href="/simple/${project}/">${project}</a>`);
      return send(200, page('Simple index', links), 'text/html');
    }
    const listing = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (listing) {
      const project = normalizeProjectName(listing[1]!);
      // pip asks for the normalised name with a trailing slash; send anything else there.
      if (path !== `/simple/${project}/`) {
        response.writeHead(301, { location: `/simple/${project}/` });
        return response.end();
      }
      const names = projects.get(project);
      if (!names) return send(404, 'not found\n', 'text/plain');
      const links = names.map((name) => {
        const sha256 = createHash('sha256').update(files.get(name)!).digest('hex');
        return `<a href="/files/${encodeURIComponent(name)}#sha256=${sha256}">${escape(name)}</a>`;
      });
      return send(200, page(`Links for ${project}`, links), 'text/html');
    }
    const file = /^\/files\/([^/]+)$/.exec(path);
    const data = file ? files.get(file[1]!) : undefined;
    if (file && data) {
      downloads.push(file[1]!);
      return send(200, data, 'application/octet-stream');
    }
    return send(404, 'not found\n', 'text/plain');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    downloads,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
