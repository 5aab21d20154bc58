import { execFile, type ExecFileOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { testEnvironment, freePort } from '@nimbus/testing';

const ROOT = resolve(__dirname, '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (command: string, args: string[], options: ExecFileOptions) =>
  new Promise<Run>((done) =>
    execFile(command, args, { ...options, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );

/** Waits until process `pid` is gone (it is not our child: signal 0 tells). */
async function exited(pid: number): Promise<void> {
  for (let tries = 0; tries < 300; tries += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** GET / through the router for `host`. */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const call = request(
      { host: '127.0.0.1', port, path: '/', headers: { host }, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => done({ status: response.statusCode ?? 0, body }));
      },
    );
    call.on('error', fail);
    call.end();
  });
}

/** The README's Quickstart, as a new user runs it: start the platform, then use the CLI. */
/** What `npm run platform` starts, the agent first (see afterAll). */
const PROCESSES = ['agent', 'gateway', 'builder', 'orchestrator', 'router'];

describe('Quickstart', () => {
  let state: string;
  let database: string;
  const serverUrl = testEnvironment().TEST_DATABASE_URL;

  afterAll(async () => {
    // The agent first, so it stops the app's instance while the others still run. Read from the
    // state directory, so a test that failed before reading them still stops what it started.
    if (!state) return;
    const pids = await Promise.all(
      PROCESSES.map((name) => readFile(join(state, `${name}.pid`), 'utf8').then(Number, () => null)),
    );
    for (const pid of pids.filter((pid): pid is number => pid !== null)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue; // already gone
      }
      await exited(pid);
    }
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
    await rm(state, { recursive: true, force: true });
  });

  // Starts five processes and deploys: longer than the default 30 s on a busy machine.
  it('should start the platform and let the CLI create a tenant, namespace, app, config and secrets', async () => {
    state = await mkdtemp(join(tmpdir(), 'nimbus-quickstart-'));
    // Instances run as an unprivileged user below the state directory.
    await chmod(state, 0o711);
    database = `nimbus_quickstart_${randomBytes(4).toString('hex')}`;
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${database}`;
    const port = await freePort();
    const routerPort = await freePort();
    const env = {
      ...process.env,
      NIMBUS_STATE_DIR: state,
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: testEnvironment().TEST_REDIS_URL,
      PORT: String(port),
      NIMBUS_BUILDER_PORT: String(await freePort()),
      NIMBUS_ORCHESTRATOR_PORT: String(await freePort()),
      NIMBUS_AGENT_PORT: String(await freePort()),
      NIMBUS_ROUTER_PORT: String(routerPort),
      NIMBUS_ROUTER_ADMIN_PORT: String(await freePort()),
      CI: '',
    };
    const platform = await run('npm', ['run', '--silent', 'platform', '--', '--detach'], { cwd: ROOT, env });
    expect(platform.code).toBe(0);
    expect(platform.stdout).toContain(`gateway:  http://127.0.0.1:${port}`);
    expect(platform.stdout).toContain(`console:  http://127.0.0.1:${port}/console/`);
    const token = /token:\s+(nmb_\S+)/.exec(platform.stdout)?.[1];
    expect(token).toBeDefined();
    expect((await stat(join(state, 'master.key'))).mode & 0o777).toBe(0o600);

    const cliEnv = { PATH: process.env.PATH, HOME: state, NIMBUS_CONFIG: join(state, 'cli.json') };
    const nimbus = async (...args: string[]) => {
      const result = await run(join(ROOT, 'bin/nimbus'), args, { cwd: ROOT, env: cliEnv });
      if (result.code !== 0) throw new Error(`nimbus ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    };
    await nimbus('login', '--api', `http://127.0.0.1:${port}`, '--token', token as string);
    await nimbus('tenants:create', 'acme');
    await nimbus('namespaces:create', 'production', '--tenant', 'acme', '--max-instances', '20');
    await nimbus('target', 'acme/production');
    await nimbus('apps:create', 'web');
    await nimbus('config:set', '-a', 'web', 'LOG_LEVEL=info');
    await nimbus('config:set', '--tenant', 'acme', 'REGION=eu');
    await nimbus('secrets:set', '-a', 'web', 'DATABASE_PASSWORD=hunter2');
    const environment = JSON.parse(await nimbus('config:env', '-a', 'web', '--json')) as {
      entries: { key: string; value: string | null; scope: string }[];
    };
    expect(
      environment.entries.map(({ key, value, scope }) => `${key}=${value ?? '(secret)'} from ${scope}`),
    ).toEqual(['DATABASE_PASSWORD=(secret) from app', 'LOG_LEVEL=info from app', 'REGION=eu from tenant']);

    // Deploy by git push to the remote the CLI names, with the token as the password.
    const remote = new URL((await nimbus('git:remote', '-a', 'web')).trim());
    remote.username = 'git';
    remote.password = token as string;
    const site = join(state, 'site');
    const git = (...args: string[]) =>
      run('git', ['-c', 'user.name=Q', '-c', 'user.email=q@example.test', ...args], {
        cwd: site,
        env: { ...cliEnv, GIT_TERMINAL_PROMPT: '0' },
      });
    await mkdir(site);
    await writeFile(join(site, 'index.html'), '<h1>hello</h1>\n');
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-qm', 'first');
    const push = await git('push', remote.toString(), 'main');
    expect(push.stderr).toContain('remote: -----> Static site detected');
    expect(push.stderr).toContain('remote: -----> Released v1');
    expect(push.stderr).toContain('remote:        done: 1 web instance(s) of v1 ready');
    expect(push.code).toBe(0);
    const url = (await nimbus('open', '-a', 'web')).trim();
    expect(url).toBe(`http://web.production.acme.localhost:${routerPort}/`);
    const page = await get(routerPort, 'web.production.acme.localhost');
    expect(page).toEqual({ status: 200, body: '<h1>hello</h1>\n' });
    const releases = JSON.parse(await nimbus('releases', '-a', 'web', '--json')) as { version: number }[];
    expect(releases.map((release) => release.version)).toEqual([1]);
  }, 90_000);
});
