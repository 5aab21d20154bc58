// A platform of its own for the bench: a database, a Redis prefix, a real gateway process and
// real builder processes, all on loopback, all removed again by `cleanup`; and the temp dir and
// cleanup of a whole run on one (bench/build's, and bench/serving's on its subclass).
/* global fetch, AbortSignal */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '../lib/lifecycle.mjs';
import { deleteRedisKeys, dropDatabase, freePort } from '../lib/resources.mjs';
import { descendants, killSnapshot, startService } from './processes.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_MAIN = join(ROOT, 'apps/gateway/dist/main.js');
const BUILDER_MAIN = join(ROOT, 'apps/builder/dist/main.js');
const HOST = '127.0.0.1';
/** A cleanup step that takes longer is reported as failed and the next one runs. */
const STEP_TIMEOUT_MS = 30_000;

const require = createRequire(import.meta.url);
const { applyMigrations, createPrismaClient, ensureDatabase } = require('@nimbus/db');
const { createApiToken, createUser } = require('@nimbus/testing');

export class Platform {
  /** Services running, in start order. */
  services = [];
  url = null;
  token = null;

  constructor({ root, runId, serverUrl, redisUrl, sandbox }) {
    this.root = root;
    this.sandbox = sandbox;
    this.serverUrl = serverUrl;
    this.redisUrl = redisUrl;
    this.dbName = `nimbus_bench_${runId}`;
    this.dbUrl = Object.assign(new URL(serverUrl), { pathname: `/${this.dbName}` }).toString();
    this.redisPrefix = `nimbus-bench:${runId}:`;
    this.creatingDatabase = null;
    this.closing = false;
    this.gatewayLog = join(root, 'gateway.log');
    // What the gateway and its builders must agree on.
    this.shared = {
      DATABASE_URL: this.dbUrl,
      REDIS_URL: redisUrl,
      NIMBUS_REDIS_PREFIX: this.redisPrefix,
      NIMBUS_MASTER_KEY: randomBytes(32).toString('base64'),
      NIMBUS_BUILD_SOURCES: join(root, 'build-sources'),
    };
  }

  createDatabase() {
    this.creatingDatabase ??= (async () => {
      if (!(await ensureDatabase(this.dbUrl))) throw new Error(`database ${this.dbName} already exists`);
      await applyMigrations(this.dbUrl);
    })();
    return this.creatingDatabase;
  }

  async startGateway() {
    const port = await freePort(HOST);
    const home = join(this.root, 'gateway-home');
    mkdirSync(home, { recursive: true });
    this.url = `http://${HOST}:${port}`;
    // Only what the bench sets, so a developer's shell cannot change what is measured.
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      PORT: String(port),
      HOST,
      ...this.shared,
      NIMBUS_GIT_ROOT: join(this.root, 'git'),
      LOG_LEVEL: 'info',
    };
    await startService({
      name: 'gateway',
      main: GATEWAY_MAIN,
      cwd: ROOT,
      env,
      logPath: this.gatewayLog,
      readyUrl: `${this.url}/readyz`,
      register: (service) => this.register(service),
    });
  }

  /** A user and an API token straight in the database (as bench/api does), then a tenant and namespace. */
  async seed(tenant, namespace) {
    const db = createPrismaClient(this.dbUrl, { poolSize: 1 });
    try {
      const user = await createUser(db);
      ({ token: this.token } = await createApiToken(db, user.id));
    } finally {
      await db.$disconnect();
    }
    await this.api('POST', '/v1/tenants', { name: tenant });
    await this.api('POST', `/v1/tenants/${tenant}/namespaces`, { name: namespace });
  }

  async api(method, path, body) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /**
   * The gateway's access-log entries for requests that started at or after `since` (epoch ms),
   * each with its start and end: where a push's time went before its build existed.
   */
  gatewayRequestsSince(since) {
    const requests = [];
    for (const line of readFileSync(this.gatewayLog, 'utf8').split('\n')) {
      if (!line.includes('"msg":"request"')) continue;
      const { time, ms, method, path } = JSON.parse(line);
      const end = Date.parse(time);
      if (end - ms >= since - 1) requests.push({ method, path, start: end - ms, end });
    }
    return requests;
  }

  /** A git URL for TENANT/NAMESPACE/APP whose password is the bench's token. */
  gitRemote(path) {
    const url = new URL(`${this.url}/git/${path}.git`);
    url.username = 'bench';
    url.password = this.token;
    return url.toString();
  }

  /** A builder with directories of its own under `name`: its caches start empty. */
  async startBuilder(name) {
    const dir = join(this.root, name);
    const port = await freePort(HOST);
    mkdirSync(join(dir, 'home'), { recursive: true });
    mkdirSync(join(dir, 'tmp'));
    const env = {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      // runc bundles go to the temp dir: this one goes with the builder, even if it is killed.
      TMPDIR: join(dir, 'tmp'),
      PORT: String(port),
      HOST,
      ...this.shared,
      NIMBUS_BUILD_CACHE: join(dir, 'cache'),
      NIMBUS_BUILD_SCRATCH: join(dir, 'scratch'),
      NIMBUS_IMAGE_LAYOUT: join(dir, 'images'),
      NIMBUS_BUILD_SANDBOX: this.sandbox,
      LOG_LEVEL: 'info',
    };
    const service = await startService({
      name,
      main: BUILDER_MAIN,
      cwd: ROOT,
      env,
      logPath: join(dir, 'builder.log'),
      readyUrl: `http://${HOST}:${port}/readyz`,
      register: (started) => this.register(started),
    });
    return {
      pid: service.pid,
      cacheDir: env.NIMBUS_BUILD_CACHE,
      tail: service.tail,
      /** Stops it and removes its directories (caches, images). */
      remove: async () => {
        const result = await service.stop();
        this.services = this.services.filter((entry) => entry !== service);
        rmSync(dir, { recursive: true, force: true });
        return result;
      },
    };
  }

  /** The end of each service's log, on stderr: what the report of a failed run needs. */
  writeLogTails() {
    for (const service of this.services)
      process.stderr.write(`--- end of the ${service.name} log ---\n${service.tail()}\n`);
  }

  /** Keeps a service for `cleanup`; one started while the platform closes is stopped at once. */
  register(service) {
    if (this.closing) {
      void service.stop();
      throw new Error(`${service.name} started while the bench was stopping`);
    }
    this.services.push(service);
  }

  async dropDatabase() {
    if (!this.creatingDatabase) return 'not created';
    // Dropping it while it is being created would leave it behind.
    await this.creatingDatabase.catch(() => undefined);
    return dropDatabase(this.serverUrl, this.dbName);
  }

  /** Builders, then the gateway, then the database and Redis keys; every step runs whatever failed before. */
  async cleanup() {
    this.closing = true;
    const steps = [...this.services]
      .reverse()
      .map((service) => [service.name, () => service.stop()])
      .concat([
        ['database', () => this.dropDatabase()],
        // Fails fast: an unreachable Redis must fail this step, not hold up the rest of the cleanup.
        ['redis keys', () => deleteRedisKeys(this.redisUrl, this.redisPrefix, { failFast: true })],
      ]);
    const report = {};
    for (const [name, step] of steps) {
      try {
        report[name] = await withTimeout(step(), STEP_TIMEOUT_MS);
      } catch (error) {
        report[name] = `FAILED: ${error.message}`;
      }
    }
    this.services = [];
    return report;
  }
}

/**
 * A new temp dir for a run (`nimbus-bench-NAME-…`), made this process's TMPDIR too: runc's state
 * and bundles (of the sandbox probe and of in-process builds) land in it, so they go with the rest
 * even when a build is cut short. `giveUp` removes it and exits 2, for a run that cannot start.
 */
export function makeRunDir(name) {
  const root = mkdtempSync(join(os.tmpdir(), `nimbus-bench-${name}-`));
  // mkdtemp makes it 0700: process-runtime instances run as another user (uid 10001) in copies
  // below the agent's state directory, which must be traversable by them.
  chmodSync(root, 0o711);
  process.env.TMPDIR = join(root, 'tmp');
  mkdirSync(process.env.TMPDIR);
  const giveUp = (message) => {
    process.stderr.write(`${message}\n`);
    rmSync(root, { recursive: true, force: true });
    process.exit(2);
  };
  return { root, giveUp };
}

/**
 * The cleanup of a run on `platform`, idempotent: `before`, then the platform's (its processes,
 * database and keys), then whatever else still runs below this process (git pushes and
 * in-process builds cut short, with what their sandbox started), then the run's temp dir `root`.
 */
export function runCleanup(platform, root, before = () => undefined) {
  let cleaning;
  return () => {
    cleaning ??= (async () => {
      before();
      const report = await platform.cleanup();
      const strays = await killSnapshot(descendants(process.pid));
      if (strays) report['other processes'] = `${strays} killed`;
      try {
        rmSync(root, { recursive: true, force: true });
        report['temp dir'] = 'removed';
      } catch (error) {
        report['temp dir'] = `FAILED: ${error.message}`;
      }
      return report;
    })();
    return cleaning;
  };
}
