import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireTool, run } from './external-tools';
import { freePort } from './free-port';

/** A private docker-registry (distribution v2.8) on a loopback port, for one test file. */
export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as skopeo's docker:// references want it. */
  host: string;
  /** Request lines seen so far (`POST /v2/acme/web/blobs/uploads/`), from the access log. */
  requests(): string[];
  stop(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Require HTTP basic auth with this one user (distribution's htpasswd, bcrypt). */
  user?: { username: string; password: string };
}

/** Starts a registry with its own temp root; `stop` kills it by PID and removes the root. */
export async function startRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  requireTool('docker-registry', 'docker-registry');
  const root = await mkdtemp(join(tmpdir(), 'nimbus-registry-'));
  let auth = '';
  if (options.user) {
    requireTool('htpasswd', 'apache2-utils');
    const line = await run('htpasswd', ['-Bbn', options.user.username, options.user.password]);
    await writeFile(join(root, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: nimbus-test\n    path: ${join(root, 'htpasswd')}\n`;
  }
  // The free port is found by binding port 0; another process may take it before the registry
  // binds, so a registry that exits at start is retried on a fresh port.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const config = join(root, `config-${port}.yml`);
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(root, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: nimbus-test-secret',
        auth,
      ].join('\n'),
    );
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let accessLog = '';
    child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout?.on('data', (data: Buffer) => (accessLog += data.toString()));
    // Combined log format: `… "METHOD /path?query HTTP/1.1" status …`; the query is dropped.
    const requests = () =>
      [...accessLog.matchAll(/"([A-Z]+) ([^ ?"]+)[^"]*"/g)].map((m) => `${m[1]} ${m[2]}`);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(url, child);
      return { url, host: `127.0.0.1:${port}`, requests, stop: () => stop(child, root) };
    } catch (error) {
      lastError = new Error(`docker-registry did not start: ${String(error)}\n${stderr}`);
      await kill(child);
    }
  }
  await rm(root, { recursive: true, force: true });
  throw lastError;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const status = await fetch(`${url}/v2/`).then(
      (response) => response.status,
      () => 0,
    );
    // 401 is an answer too: the registry is up and asks for credentials.
    if (status === 200 || status === 401) return;
    await sleep(50);
  }
  throw new Error('no answer on /v2/ within 15 s');
}

async function stop(child: ChildProcess, root: string): Promise<void> {
  await kill(child);
  await rm(root, { recursive: true, force: true });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  signal(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signal(child.pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  try {
    if (pid !== undefined) process.kill(pid, name);
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}
