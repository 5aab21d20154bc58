// The whole platform for the bench, each part a real process on loopback: bench/build's gateway
// (its database, Redis prefix and token) plus a router, an orchestrator, one node agent and
// builders whose images the agent reads. `cleanup` stops the agent first, with its instances.
/* global fetch, AbortSignal */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Platform } from '../build/platform.mjs';
import { descendants, killSnapshot, startService } from '../build/processes.mjs';
import { withTimeout } from '../lib/lifecycle.mjs';
import { freePort } from '../lib/resources.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = {
  builder: join(ROOT, 'apps/builder/dist/main.js'),
  router: join(ROOT, 'apps/router/dist/main.js'),
  orchestrator: join(ROOT, 'apps/orchestrator/dist/main.js'),
  agent: join(ROOT, 'apps/agent/dist/main.js'),
};
const HOST = '127.0.0.1';
const BUILDER_SHARED = [
  'DATABASE_URL',
  'REDIS_URL',
  'NIMBUS_REDIS_PREFIX',
  'NIMBUS_MASTER_KEY',
  'NIMBUS_BUILD_SOURCES',
];
/** The agent's own grace for its instances is 10 s; then it reports them and exits. */
const AGENT_GRACE_MS = 20_000;
/** An agent stop or a leftover sweep that takes longer is reported as failed and cleanup goes on. */
const STEP_TIMEOUT_MS = 30_000;

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { OciRuntime, ProcessRuntime } = require('@nimbus/agent');
const { findRunc, runc } = require('@nimbus/sandbox');

/** Whether a `descendants` entry is still that process, and not a zombie waiting to be reaped. */
function running(entry) {
  try {
    const fields = readFileSync(`/proc/${entry.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return fields[19] === entry.start && fields[0] !== 'Z';
  } catch {
    return false;
  }
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '?';
  }
}

/** Until `pid` no longer exists (a child of ours is reaped as it exits); false after `ms`. */
async function gone(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

export class ServingPlatform extends Platform {
  agent = null;
  routerPort = null;
  db = null;

  constructor(options) {
    super(options);
    mkdirSync(this.root, { recursive: true });
    // Shared by the builders (which write images) and the agent (which reads them), as a
    // registry would be; each builder's dependency caches stay its own.
    this.imageLayout = join(this.root, 'images');
    this.agentStateDir = join(this.root, 'agent');
    // The gateway lets the agent join and prints URLs on the router's port.
    this.shared.NIMBUS_NODE_JOIN_TOKEN = randomBytes(32).toString('hex');
  }

  /** The router first, so the gateway knows its port. */
  async startRouter() {
    this.routerPort = await freePort(HOST);
    this.shared.NIMBUS_ROUTER_PORT = String(this.routerPort);
    const admin = await freePort(HOST);
    await this.start('router', MAIN.router, `http://${HOST}:${admin}/readyz`, {
      NIMBUS_ROUTER_PORT: String(this.routerPort),
      NIMBUS_ROUTER_ADMIN_PORT: String(admin),
      REDIS_URL: this.redisUrl,
      NIMBUS_REDIS_PREFIX: this.redisPrefix,
    });
  }

  /** With its defaults (resync 5 s, drain delay 2 s), as `npm run platform` runs it, or `env`'s. */
  async startOrchestrator(env = {}) {
    const port = await freePort(HOST);
    const url = `http://${HOST}:${port}`;
    await this.start('orchestrator', MAIN.orchestrator, `${url}/readyz`, {
      PORT: String(port),
      DATABASE_URL: this.dbUrl,
      REDIS_URL: this.redisUrl,
      NIMBUS_REDIS_PREFIX: this.redisPrefix,
      NIMBUS_MASTER_KEY: this.shared.NIMBUS_MASTER_KEY,
      NIMBUS_ORCHESTRATOR_ID: 'bench-orchestrator',
      ...env,
    });
    // Ready is not leading: nothing is placed until it holds the lease.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const metrics = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })
        .then((response) => response.text())
        .catch(() => '');
      if (/^nimbus_orchestrator_leader 1$/m.test(metrics)) return;
      await sleep(100);
    }
    throw new Error('the orchestrator did not take the lead within 30 s');
  }

  /** This machine as the one node; its instances stop with it. */
  async startAgent() {
    const port = await freePort(HOST);
    const low = 41_000 + Math.floor(Math.random() * 8) * 500;
    mkdirSync(join(this.root, 'agent-home'), { recursive: true });
    this.agent = await this.start('agent', MAIN.agent, `http://${HOST}:${port}/readyz`, {
      HOME: join(this.root, 'agent-home'),
      PORT: String(port),
      NIMBUS_API_URL: this.url,
      NIMBUS_NODE_JOIN_TOKEN: this.shared.NIMBUS_NODE_JOIN_TOKEN,
      NIMBUS_NODE_NAME: 'bench-node',
      NIMBUS_AGENT_STATE_DIR: this.agentStateDir,
      NIMBUS_AGENT_PORT_RANGE: `${low}-${low + 499}`,
      NIMBUS_IMAGE_LAYOUT: this.imageLayout,
      NIMBUS_AGENT_STOP_INSTANCES_ON_EXIT: 'true',
    });
    await this.until('the node to be ready', async () => {
      const { rows } = await this.query(`SELECT count(*)::int AS n FROM "Node" WHERE ready AND NOT cordoned`);
      return rows[0].n === 1;
    });
  }

  /** A builder with empty caches of its own, writing to the shared image layout. */
  async startBuilder(name) {
    // What the gateway and its builders share; not the join token, which is the nodes' business.
    const shared = Object.fromEntries(BUILDER_SHARED.map((key) => [key, this.shared[key]]));
    const dir = join(this.root, name);
    const port = await freePort(HOST);
    mkdirSync(join(dir, 'home'), { recursive: true });
    mkdirSync(join(dir, 'tmp'));
    const service = await this.start(name, MAIN.builder, `http://${HOST}:${port}/readyz`, {
      HOME: join(dir, 'home'),
      // runc bundles go to the temp dir: this one goes with the builder, even if it is killed.
      TMPDIR: join(dir, 'tmp'),
      PORT: String(port),
      ...shared,
      NIMBUS_BUILD_CACHE: join(dir, 'cache'),
      NIMBUS_BUILD_SCRATCH: join(dir, 'scratch'),
      NIMBUS_IMAGE_LAYOUT: this.imageLayout,
      NIMBUS_BUILD_SANDBOX: this.sandbox,
    });
    return {
      pid: service.pid,
      remove: async () => {
        await service.stop();
        this.services = this.services.filter((entry) => entry !== service);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  async start(name, main, readyUrl, env) {
    return startService({
      name,
      main,
      cwd: ROOT,
      // Only what the bench sets, so a developer's shell cannot change what is measured.
      env: { PATH: process.env.PATH, HOME: this.root, HOST, LOG_LEVEL: 'info', ...env },
      logPath: join(this.root, `${name}.log`),
      readyUrl,
      register: (service) => this.register(service),
    });
  }

  /** A query on the bench's own database: when things happened, as the platform recorded them. */
  async query(text, values = []) {
    if (!this.db) {
      this.db = new Client({ connectionString: this.dbUrl });
      await this.db.connect();
    }
    return this.db.query(text, values);
  }

  /** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
  async until(what, check, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(50);
    }
  }

  /**
   * The agent first (SIGTERM: it stops its instances and reports them, so the gateway must
   * still run), then whatever instance it left, then the rest as bench/build cleans up.
   */
  async cleanup() {
    this.closing = true;
    const report = {};
    await this.db?.end().catch(() => undefined);
    this.db = null;
    if (this.agent) {
      try {
        report.agent = await withTimeout(this.stopAgent(), STEP_TIMEOUT_MS, 'agent');
      } catch (error) {
        report.agent = `FAILED: ${error.message}`;
      }
    }
    try {
      report['app instances'] = await withTimeout(this.sweepInstances(), STEP_TIMEOUT_MS, 'sweep');
    } catch (error) {
      report['app instances'] = `FAILED: ${error.message}`;
    }
    return { ...report, ...(await super.cleanup()) };
  }

  /**
   * SIGTERM, and the wait for its exit (SIGKILL after AGENT_GRACE_MS): it stops its instances
   * itself. Any process of theirs still running after it exited is named, then killed by PID.
   */
  async stopAgent() {
    const agent = this.agent;
    this.agent = null;
    const before = descendants(agent.pid);
    const instances = this.savedInstances().length;
    let how = 'SIGTERM';
    process.kill(agent.pid, 'SIGTERM');
    if (!(await gone(agent.pid, AGENT_GRACE_MS))) {
      how = `SIGKILL after ${AGENT_GRACE_MS / 1000} s`;
      process.kill(agent.pid, 'SIGKILL');
      await gone(agent.pid, 5000);
    }
    const left = before.filter(running);
    const named = left.map((entry) => `${entry.pid} ${commandOf(entry.pid)}`);
    await killSnapshot(left);
    await agent.stop(); // nothing left to stop: its bookkeeping
    this.services = this.services.filter((service) => service !== agent);
    return (
      `pid ${agent.pid} stopped (${how}) with its ${instances} instance(s)` +
      (left.length ? `; LEFT RUNNING, killed: ${named.join(', ')}` : '')
    );
  }

  /** The handles of the instances the agent runs, as it saves them to find them again. */
  savedInstances() {
    const dir = join(this.agentStateDir, 'instances');
    try {
      return readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')).handle);
    } catch {
      return [];
    }
  }

  /**
   * Instances the agent did not stop (it was killed, say): each by the handle it saved (pid and
   * start time, or container id), as the tests do, then any container left in its runc root.
   */
  async sweepInstances() {
    const runtimes = {
      process: new ProcessRuntime({ hostPath: process.env.PATH }),
      oci: new OciRuntime({ stateDir: this.agentStateDir }),
    };
    let stopped = 0;
    for (const handle of this.savedInstances()) {
      const runtime = runtimes[handle?.runtime];
      if (!runtime) continue;
      await runtime.stop(handle, 0).catch(() => undefined);
      await runtime.remove(handle).catch(() => undefined);
      stopped++;
    }
    const binary = findRunc();
    const runcRoot = join(this.agentStateDir, 'runc');
    if (binary && existsSync(runcRoot)) {
      const listed = await runc(binary, runcRoot, ['list', '--quiet']);
      for (const id of listed.ok ? listed.stdout.split('\n').filter(Boolean) : []) {
        await runc(binary, runcRoot, ['delete', '--force', id]);
        stopped++;
      }
    }
    return stopped ? `${stopped} left by the agent, stopped` : 'none left';
  }
}
