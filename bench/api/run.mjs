// Load-tests the real gateway, as its own process, on the authenticated app list. See bench/README.md.
/* global AbortController */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, percentile, processCpu } from '../lib/measure.mjs';
import {
  DATABASE_SERVER_URL,
  REDIS_URL,
  deleteRedisKeys,
  dropDatabase,
  freePort,
} from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_MAIN = join(ROOT, 'apps/gateway/dist/main.js');
if (![GATEWAY_MAIN, join(ROOT, 'libs/testing/dist/index.js')].every((file) => existsSync(file))) {
  process.stderr.write('build first: npx tsc -b apps/gateway libs/testing\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { applyMigrations, createPrismaClient, ensureDatabase } = require('@nimbus/db');
const { createApiToken, createUser } = require('@nimbus/testing');

const PROFILER = new URL('./cpu-profile.mjs', import.meta.url).href;
const HOST = '127.0.0.1';
const CONNECTIONS = 32;
const RATE = 1000;
const WARMUP_S = 3;
const FIXED_S = 15;
const UNTHROTTLED_S = 10;
const GOAL_P99_MS = 20;
const APP_COUNT = 20;
const DB_POOL_SIZE = 10; // the gateway's default
// High enough never to reject, so the limiter's Redis round trip is measured without 429s.
const RATE_LIMIT_PER_MINUTE = 100_000_000;
const REQUEST_TIMEOUT_MS = 5_000;
// Requests still queued this long after a fixed-rate schedule ends are abandoned (and counted as errors).
const DRAIN_MS = 10_000;
const LOOP_SAMPLE_MS = 10;

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const profileArg = args.find((arg) => arg === '--cpu-prof' || arg.startsWith('--cpu-prof='));
const workersArg = args.find((arg) => /^--workers=\d+$/.test(arg));
// NIMBUS_GATEWAY_WORKERS: gateway processes sharing the port (1 = a single process).
const WORKERS = workersArg ? Number(workersArg.split('=')[1]) : 1;
const profileDir = profileArg && (profileArg.split('=')[1] || join(os.tmpdir(), 'nimbus-bench-profiles'));
const unknown = args.filter((arg) => arg !== '--json' && arg !== profileArg && arg !== workersArg);
if (unknown.length) {
  process.stderr.write(
    `usage: node bench/api/run.mjs [--json] [--cpu-prof[=DIR]] [--workers=N]\nunknown: ${unknown.join(' ')}\n`,
  );
  process.exit(2);
}
// With --json, stdout carries only the JSON document.
const out = asJson ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const dbName = `nimbus_bench_${runId}`;
const dbUrl = Object.assign(new URL(DATABASE_SERVER_URL), { pathname: `/${dbName}` }).toString();
const redisPrefix = `nimbus-bench:${runId}:`;
const logPath = join(os.tmpdir(), `nimbus-bench-${runId}.log`);
const profilePath = profileDir && join(profileDir, `gateway-${runId}.cpuprofile`);
const stopLoad = new AbortController();
let gateway = null;
let gatewayExited = Promise.resolve();

function call(port, { method = 'GET', path, token, body, agent, signal }) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload) headers['content-type'] = 'application/json';
    const options = { host: HOST, port, method, path, headers, agent, signal, timeout: REQUEST_TIMEOUT_MS };
    const request = http.request(options, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: chunks.join('') }),
      );
      response.on('error', (error) => resolve({ error }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve({ error }));
    request.end(payload);
  });
}

async function api(port, token, method, path, body) {
  const response = await call(port, { method, path, token, body });
  if (response.error || response.status >= 300) {
    throw new Error(`${method} ${path}: ${response.error?.message ?? `${response.status} ${response.body}`}`);
  }
  return response;
}

/** CPU seconds the gateway and its worker processes have used (Linux only; NaN elsewhere). */
function gatewayCpuSeconds() {
  try {
    let total = processCpu(gateway.pid).seconds;
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const { ppid, seconds } = processCpu(entry);
        if (ppid === gateway.pid) total += seconds;
      } catch {
        // The process ended while we looked.
      }
    }
    return total;
  } catch {
    return NaN;
  }
}

async function startGateway() {
  const port = await freePort(HOST);
  if (stopLoad.signal.aborted) throw new Error('interrupted');
  const stdout = openSync(logPath, 'w');
  gateway = spawn(process.execPath, [...(profilePath ? ['--import', PROFILER] : []), GATEWAY_MAIN], {
    cwd: ROOT,
    // Its own process group, so a Ctrl-C reaches only the bench, which stops the gateway before dropping its database.
    detached: true,
    stdio: ['ignore', stdout, 'pipe'],
    // Only what the bench sets, so a developer's shell cannot change what is measured.
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST,
      DATABASE_URL: dbUrl,
      REDIS_URL,
      NIMBUS_REDIS_PREFIX: redisPrefix,
      NIMBUS_MASTER_KEY: randomBytes(32).toString('base64'),
      NIMBUS_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      NIMBUS_DB_POOL_SIZE: String(DB_POOL_SIZE),
      NIMBUS_ACCESS_LOG: 'true',
      NIMBUS_GATEWAY_WORKERS: String(WORKERS),
      LOG_LEVEL: 'info',
      ...(profilePath && { NIMBUS_BENCH_PROFILE: profilePath }),
    },
  });
  closeSync(stdout);
  let stderr = '';
  gateway.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  gatewayExited = new Promise((resolve) => gateway.once('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gateway.exitCode !== null || gateway.signalCode) {
      throw new Error(`gateway exited while starting:\n${stderr}`);
    }
    if ((await call(port, { path: '/readyz' })).status === 200) return port;
    await sleep(100);
  }
  throw new Error(`gateway not ready after 30 s:\n${stderr}`);
}

async function seed(port) {
  const db = createPrismaClient(dbUrl, { poolSize: 1 });
  let token;
  try {
    const user = await createUser(db);
    ({ token } = await createApiToken(db, user.id));
  } finally {
    await db.$disconnect();
  }
  const path = '/v1/tenants/bench/namespaces/default/apps';
  await api(port, token, 'POST', '/v1/tenants', { name: 'bench' });
  await api(port, token, 'POST', '/v1/tenants/bench/namespaces', { name: 'default' });
  for (let i = 1; i <= APP_COUNT; i++) await api(port, token, 'POST', path, { name: `app-${i}` });
  const check = await api(port, token, 'GET', path);
  const count = JSON.parse(check.body).length;
  if (count !== APP_COUNT) throw new Error(`expected ${APP_COUNT} apps, the list has ${count}`);
  if (check.headers['ratelimit-limit'] !== String(RATE_LIMIT_PER_MINUTE)) {
    throw new Error('the rate limiter did not run');
  }
  return { token, path, bytes: check.body.length };
}

function summarise({ latencies, non2xx, errors, abandoned }, seconds, cpuSeconds, ownCpuSeconds) {
  const sorted = Float64Array.from(latencies).sort();
  const at = (p) => percentile(sorted, p);
  const round = (value, digits = 2) => +value.toFixed(digits);
  return {
    requests: latencies.length + errors,
    seconds: round(seconds),
    rps: round(latencies.length / seconds, 1),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    maxMs: round(at(1)),
    non2xx,
    errors,
    abandoned,
    gatewayCpuPercent: round((100 * cpuSeconds) / seconds, 0),
    gatewayCpuMsPerRequest: round((1000 * cpuSeconds) / latencies.length),
    loadGeneratorCpuPercent: round((100 * ownCpuSeconds) / seconds, 0),
  };
}

/** Runs `work(send, abort)`, timing each `send(since)` from `since` to the end of its response. */
async function phase(port, token, path, work) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per request in flight
  const onStop = () => abort.abort();
  stopLoad.signal.addEventListener('abort', onStop);
  const counts = { latencies: [], non2xx: 0, errors: 0, abandoned: 0 };
  const send = async (since) => {
    const response = await call(port, { path, token, agent, signal: abort.signal });
    if (response.error) {
      counts.errors++;
      if (response.error.name === 'AbortError') counts.abandoned++;
      return;
    }
    counts.latencies.push(performance.now() - since);
    if (response.status < 200 || response.status >= 300) counts.non2xx++;
  };
  const cpuBefore = gatewayCpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    await work(send, abort);
  } finally {
    stopLoad.signal.removeEventListener('abort', onStop);
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  return summarise(counts, seconds, gatewayCpuSeconds() - cpuBefore, (ownCpu.user + ownCpu.system) / 1e6);
}

/**
 * Open model: request i is due at start + i/rate whatever happened before, and its latency runs
 * from that due time, so a slow response is also charged to the requests queued behind it.
 */
function fixedRate(rate, seconds) {
  return async (send, abort) => {
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const inFlight = new Set();
    const start = performance.now();
    for (let sent = 0; sent < total && !abort.signal.aborted;) {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) {
        const request = send(start + sent * interval);
        inFlight.add(request);
        request.finally(() => inFlight.delete(request));
      }
      await sleep(1);
    }
    // A request waiting for a free connection has no socket timeout yet: bound that wait here.
    const deadline = setTimeout(() => abort.abort(), DRAIN_MS);
    await Promise.all(inFlight);
    clearTimeout(deadline);
  };
}

/** Closed model: each connection sends its next request as soon as the previous one is answered. */
function unthrottled(seconds) {
  return async (send, abort) => {
    const end = performance.now() + seconds * 1000;
    const connection = async () => {
      while (performance.now() < end && !abort.signal.aborted) await send(performance.now());
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, connection));
  };
}

async function stopGateway() {
  if (!gateway) return 'not started';
  if (gateway.exitCode === null && !gateway.signalCode) {
    gateway.kill('SIGTERM');
    const forced = setTimeout(() => gateway.kill('SIGKILL'), 10_000);
    await gatewayExited;
    clearTimeout(forced);
  }
  return `pid ${gateway.pid} stopped`;
}

let cleaning;
/** Idempotent; every step runs even when an earlier one failed. */
function cleanup() {
  cleaning ??= (async () => {
    stopLoad.abort();
    const steps = {
      gateway: stopGateway,
      database: () => dropDatabase(DATABASE_SERVER_URL, dbName),
      'redis keys': () => deleteRedisKeys(REDIS_URL, redisPrefix),
      'access log': () => (rmSync(logPath, { force: true }), 'removed'),
    };
    const report = {};
    for (const [name, step] of Object.entries(steps)) {
      try {
        report[name] = await step();
      } catch (error) {
        report[name] = `FAILED: ${error.message}`;
      }
    }
    return report;
  })();
  return cleaning;
}

const COLUMNS = {
  rps: 'req/s',
  p50Ms: 'p50 ms',
  p99Ms: 'p99 ms',
  maxMs: 'max ms',
  non2xx: 'non-2xx',
  errors: 'errors',
  gatewayCpuPercent: 'gw CPU %',
  gatewayCpuMsPerRequest: 'gw CPU ms/req',
  loadGeneratorCpuPercent: 'bench CPU %',
};

function table(fixed, max) {
  const keys = Object.keys(COLUMNS);
  const rows = [
    ['phase', 'target', ...Object.values(COLUMNS)],
    [`fixed rate, ${FIXED_S} s`, `${RATE}/s`, ...keys.map((key) => fixed[key])],
    [`unthrottled, ${UNTHROTTLED_S} s`, 'max', ...keys.map((key) => max[key])],
  ];
  return formatTable(rows);
}

async function main() {
  const began = performance.now();
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const busyBefore = await machineBusyPercent();

  say(`database ${dbName}: creating and migrating`);
  if (!(await ensureDatabase(dbUrl))) throw new Error(`database ${dbName} already exists`);
  await applyMigrations(dbUrl);

  say('gateway: starting (access log ON, to a temp file; rate limiter ON, limit too high to reject)');
  const port = await startGateway();
  const { token, path, bytes } = await seed(port);
  say(
    `load: ${CONNECTIONS} connections from the bench (pid ${process.pid}) to the gateway (pid ${gateway.pid}) on ${HOST}:${port}`,
  );
  say(`      GET ${path} (${APP_COUNT} apps, ${bytes} bytes)`);

  say(`warm-up: ${RATE} req/s for ${WARMUP_S} s (discarded)`);
  await phase(port, token, path, fixedRate(RATE, WARMUP_S));
  say(`fixed rate: ${RATE} req/s for ${FIXED_S} s`);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();
  const fixed = await phase(port, token, path, fixedRate(RATE, FIXED_S));
  loopDelay.disable();
  say(`unthrottled: ${UNTHROTTLED_S} s`);
  const max = await phase(port, token, path, unthrottled(UNTHROTTLED_S));
  if (stopLoad.signal.aborted) return;

  const accessLogLines = readFileSync(logPath, 'utf8').split('"msg":"request"').length - 1;
  const cleaned = await cleanup();
  const results = {
    endpoint: `GET ${path}`,
    apps: APP_COUNT,
    connections: CONNECTIONS,
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    gateway: {
      accessLog: true,
      accessLogLines,
      logLevel: 'info',
      rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
      dbPoolSize: DB_POOL_SIZE,
      workers: WORKERS,
    },
    // The histogram records whole sampling intervals: the delay is what exceeds one.
    loadGeneratorLoopDelayP99Ms: +(loopDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS).toFixed(2),
    fixedRate: { targetRps: RATE, ...fixed },
    unthrottled: max,
    goal: {
      p99Ms: GOAL_P99_MS,
      atRps: RATE,
      met: fixed.p99Ms < GOAL_P99_MS && fixed.non2xx === 0 && fixed.errors === 0,
    },
    cleanup: cleaned,
    totalSeconds: +((performance.now() - began) / 1000).toFixed(1),
    ...(profilePath && { cpuProfile: profilePath }),
  };

  say();
  say(
    `node ${results.node}, ${results.cpus} CPUs (${results.cpuModel}), shared by gateway, load generator, PostgreSQL and Redis`,
  );
  say(busyLine(busyBefore));
  say(
    `gateway: ${WORKERS} process(es), access log ON (${accessLogLines} request lines, to a temp file), LOG_LEVEL=info, DB pool ${DB_POOL_SIZE} each, rate limiter ON`,
  );
  say(
    "latency: fixed rate from each request's scheduled time (queueing included); unthrottled from its actual send",
  );
  say();
  for (const line of table(fixed, max)) say(line);
  say();
  const verdict = results.goal.met ? 'MET' : 'MISSED';
  say(
    `goal: p99 < ${GOAL_P99_MS} ms at ${RATE} req/s without errors: ${verdict} (p99 ${fixed.p99Ms} ms at ${fixed.rps} req/s)`,
  );
  if (fixed.abandoned) {
    say(
      `${fixed.abandoned} of the fixed-rate errors were requests still queued ${DRAIN_MS / 1000} s after the schedule ended`,
    );
  }
  say(
    `load generator event-loop delay p99 in the fixed-rate phase: ${results.loadGeneratorLoopDelayP99Ms} ms`,
  );
  if (profilePath) say(`gateway CPU profile: ${profilePath}`);
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${results.totalSeconds} s`);
  if (asJson) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

runBench(main, { cleanup });
