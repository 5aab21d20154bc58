import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DEBIAN_SETUPTOOLS_ENV,
  debianWheels,
  freePort,
  pyprojectApp,
  startPackageIndex,
  tinyserveWheel,
  type PackageIndex,
} from '@nimbus/testing';

interface Ran {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return new Promise<Ran>((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

/** true, or the command's output when it failed: what a failing test should show. */
const succeeded = (ran: Ran) => ran.code === 0 || ran.output;

/** One GET on its own connection, so nothing lingers after the test. */
function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/**
 * The local package index and the wheels the Python end-to-end tests rely on, checked with the
 * real pip outside Nimbus: if these fail, a failing Python deploy is not Nimbus's fault.
 */
describe('a local Python package index', () => {
  // Debian's python, as builds see it, whose distutils Debian's setuptools wheel was made for.
  const PYTHON = '/usr/bin/python3';
  let index: PackageIndex;
  let work: string;
  // Nothing but the index: no user config, no cache from earlier runs.
  const pipEnv = () => ({
    PIP_INDEX_URL: index.url,
    PIP_NO_CACHE_DIR: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_CONFIG_FILE: '/dev/null',
    HOME: work,
    ...DEBIAN_SETUPTOOLS_ENV,
  });

  beforeAll(async () => {
    index = await startPackageIndex([tinyserveWheel(), ...(await debianWheels(['setuptools', 'wheel']))]);
    work = await mkdtemp(join(tmpdir(), 'nimbus-pyindex-'));
  });
  afterAll(async () => {
    await index?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("should list projects by their normalised names, with each file's sha256", async () => {
    const root = await fetch(index.url);
    expect(await root.text()).toContain('<a href="/simple/tinyserve/">tinyserve</a>');
    const listing = await fetch(`${index.url}TinyServe`);
    expect(listing.url).toBe(`${index.url}tinyserve/`);
    expect(await listing.text()).toMatch(
      /href="\/files\/tinyserve-1\.0\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}"/,
    );
    expect((await fetch(`${index.url}nope/`)).status).toBe(404);
  });

  it('should install a generated wheel with its console script, which serves a WSGI app', async () => {
    const venv = join(work, 'venv');
    expect((await run(PYTHON, ['-m', 'venv', venv])).code).toBe(0);
    const installed = await run(join(venv, 'bin/pip'), ['install', '--no-input', 'tinyserve'], {
      env: pipEnv(),
    });
    expect(succeeded(installed)).toBe(true);
    expect(index.downloads).toContain('tinyserve-1.0.0-py3-none-any.whl');

    const site = join(work, 'site');
    await mkdir(site);
    await writeFile(
      join(site, 'app.py'),
      'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"hello from wsgi"]\n',
    );
    const port = await freePort();
    const server = spawn(join(venv, 'bin/tinyserve'), ['app:application'], {
      cwd: site,
      env: { PATH: process.env.PATH, PORT: String(port) },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
        server.once('exit', (code) => reject(new Error(`tinyserve exited with ${code}`)));
      });
      expect(await fetchText(port)).toBe('hello from wsgi');
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('should build and install a pyproject.toml project with a build backend fetched from the index', async () => {
    const venv = join(work, 'venv-pyproject');
    const project = join(work, 'project');
    for (const [file, content] of Object.entries(pyprojectApp('v1'))) {
      await mkdir(dirname(join(project, file)), { recursive: true });
      await writeFile(join(project, file), content);
    }
    expect((await run(PYTHON, ['-m', 'venv', venv])).code).toBe(0);
    const installed = await run(join(venv, 'bin/pip'), ['install', '--no-input', '.'], {
      cwd: project,
      env: pipEnv(),
    });
    expect(succeeded(installed)).toBe(true);
    expect(index.downloads).toEqual(
      expect.arrayContaining([expect.stringMatching(/^setuptools-/), expect.stringMatching(/^wheel-/)]),
    );
    const version = await run(join(venv, 'bin/python'), [
      '-c',
      'import importlib.metadata as m; print(m.version("hello-pyproject"), m.version("tinyserve"))',
    ]);
    expect(version).toEqual({ code: 0, output: '0.1.0 1.0.0\n' });
  }, 120_000);
});
