// Throughput and latency of the edge router against the same upstream direct and behind nginx.
// See bench/README.md ("router/").
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, median, processCpu } from '../lib/measure.mjs';
import { REDIS_URL, deleteRedisKeys, freePort } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUTER_MAIN = join(ROOT, 'apps/router/dist/main.js');
const UPSTREAM = fileURLToPath(new URL('./upstream.mjs', import.meta.url));
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const { Redis } = require('ioredis');
const { encodeAppEndpoints, endpointsKey } = require('@nimbus/cluster');

const HOST = '127.0.0.1';
const APP_HOST = 'bench.default.bench.localhost';
// The edge (HAProxy programmed by the router) against nginx with as many workers: at least its
// req/s, at most its CPU per request, at most 2 ms added at p99 over direct.
const GOAL_PERCENT_OF_NGINX = 100;
const GOAL_ADDED_P99_MS = 2;
const STOP_GRACE_MS = 5_000;
// Whatever happens, the bench stops itself after this (each target takes ~13 s a round).
const HARD_LIMIT_S = 10 * 60;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
};
const asJson = args.includes('--json');
const CONNECTIONS = option('connections', 32);
const DURATION_S = option('duration', 10);
const WARMUP_S = option('warmup', 2);
const ROUNDS = option('rounds', 2);
const known = /^--(json|connections=\d+|duration=\d+|warmup=\d+|rounds=\d+)$/;
if (
  args.some((arg) => !known.test(arg)) ||
  ![CONNECTIONS, DURATION_S, WARMUP_S, ROUNDS].every((n) => n > 0)
) {
  process.stderr.write(
    'usage: node bench/router/run.mjs [--json] [--connections=32] [--duration=10] [--warmup=2] [--rounds=2]\n',
  );
  process.exit(2);
}
if (!existsSync(ROUTER_MAIN)) {
  process.stderr.write('build first: npx tsc -b\n');
  process.exit(2);
}
const out = asJson ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const redisPrefix = `nimbus-bench:${runId}:`;
const tempDir = mkdtempSync(join(os.tmpdir(), 'nimbus-router-bench-'));
/** Every process the bench started and has not seen exit, by PID. */
const children = new Map();

function start(name, command, argv, env) {
  const child = spawn(command, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Only what the bench sets, so a developer's shell cannot change what is measured.
    env: { PATH: process.env.PATH, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  children.set(child.pid, { name, child, exited });
  exited.then(() => children.delete(child.pid));
  return { child, stderr: () => stderr, exited };
}

/** SIGTERM (nginx: SIGQUIT, its graceful stop) to the PID, SIGKILL after a grace period. */
async function stop({ child, exited }, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode) return;
  child.kill(signal);
  const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(forced);
}

function get(port, path, host) {
  return new Promise((resolve) => {
    const request = http.get(
      { host: HOST, port, path, headers: host ? { host } : {}, agent: false, timeout: 2000 },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

async function waitFor(what, process_, check) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (process_.child.exitCode !== null)
      throw new Error(`${what} exited while starting:\n${process_.stderr()}`);
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready after 20 s:\n${process_.stderr()}`);
}

/** CPU seconds used so far by a process and every process below it (Linux; NaN elsewhere). */
function treeCpuSeconds(rootPid) {
  try {
    const stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map((pid) => {
        try {
          return { pid: Number(pid), ...processCpu(pid) };
        } catch {
          return null;
        }
      })
      .filter(Boolean);
    let total = 0;
    let parents = new Set([rootPid]);
    total += stats.find((s) => s.pid === rootPid)?.seconds ?? 0;
    while (parents.size) {
      const next = stats.filter((s) => parents.has(s.ppid));
      for (const s of next) total += s.seconds;
      parents = new Set(next.map((s) => s.pid));
    }
    return total;
  } catch {
    return NaN;
  }
}

async function measure(label, port, proxyPid) {
  // Warm-up: connections, JIT and pools settle; discarded.
  await runLoad(port, WARMUP_S);
  const cpuBefore = proxyPid ? treeCpuSeconds(proxyPid) : NaN;
  const result = await runLoad(port, DURATION_S);
  const cpu = proxyPid ? treeCpuSeconds(proxyPid) - cpuBefore : NaN;
  const rps = result.requests.total / DURATION_S;
  return {
    label,
    rps: Math.round(rps),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.mean,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    proxyCpuPercent: Number.isNaN(cpu) ? null : Math.round((100 * cpu) / DURATION_S),
    proxyCpuUsPerRequest: Number.isNaN(cpu) ? null : Math.round((1e6 * cpu) / result.requests.total),
  };
}

/** autocannon in its own process: a fixed number of keep-alive connections for a fixed time. */
async function runLoad(port, seconds) {
  const child = spawn(
    process.execPath,
    [
      AUTOCANNON,
      '--json',
      '--connections',
      String(CONNECTIONS),
      '--duration',
      String(seconds),
      '--headers',
      `host=${APP_HOST}`,
      `http://${HOST}:${port}/`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  children.set(child.pid, { name: 'autocannon', child, exited });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  await exited;
  children.delete(child.pid);
  if (child.exitCode !== 0) throw new Error(`autocannon exited ${child.exitCode ?? child.signalCode}`);
  return JSON.parse(stdout);
}

async function startUpstream() {
  const port = await freePort(HOST);
  const upstream = start('upstream', process.execPath, [UPSTREAM, String(port)]);
  await waitFor('upstream', upstream, async () => (await get(port, '/')) === 200);
  return { ...upstream, port };
}

async function startRouter(upstreamPort, workers, edge) {
  const [port, adminPort] = [await freePort(HOST), await freePort(HOST)];
  const router = start('router', process.execPath, [ROUTER_MAIN], {
    NIMBUS_EDGE: edge,
    NIMBUS_ROUTER_PORT: String(port),
    NIMBUS_ROUTER_ADMIN_PORT: String(adminPort),
    HOST,
    REDIS_URL,
    NIMBUS_REDIS_PREFIX: redisPrefix,
    NIMBUS_ACCESS_LOG: 'false',
    NIMBUS_ROUTER_WORKERS: String(workers),
    LOG_LEVEL: 'warn',
  });
  await waitFor('router', router, async () => (await get(adminPort, '/readyz')) === 200);
  if ((await get(port, '/', APP_HOST)) !== 200) throw new Error(`router does not route to ${upstreamPort}`);
  // Until HAProxy has the instance (a few ms after the table loads) the Node router serves; the
  // warm-up covers that too.
  if (edge === 'haproxy') await sleep(300);
  return { ...router, port };
}

function nginxConfig(dir, port, upstreamPort, workers) {
  // Tuned as a production nginx in front of a Node app: keep-alive upstream pool, no access log
  // (the router's is off too), the forwarding headers the router also sets.
  return `daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  upstream app {
    server ${HOST}:${upstreamPort};
    keepalive 128;
  }
  server {
    listen ${HOST}:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      add_header X-Request-Id $request_id;
    }
  }
}
`;
}

function findNginx() {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

async function startNginx(binary, upstreamPort, workers) {
  const port = await freePort(HOST);
  const dir = mkdtempSync(join(tempDir, `nginx-${workers}-`));
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstreamPort, workers));
  const nginx = start('nginx', binary, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  await waitFor('nginx', nginx, async () => (await get(port, '/', APP_HOST)) === 200);
  return { ...nginx, port };
}

async function seedTable(upstreamPort) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const endpoints = [{ instanceId: 'bench-1', host: HOST, port: upstreamPort }];
    const entry = encodeAppEndpoints({ appId: 'bench-app', activatable: false, endpoints });
    await redis.hset(endpointsKey(redisPrefix), APP_HOST, entry);
  } finally {
    redis.disconnect();
  }
}

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    const report = {};
    const running = [...children.values()];
    await Promise.all(running.map((entry) => stop(entry, entry.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM')));
    report.processes = running.length
      ? `${running.map((e) => `${e.name} ${e.child.pid}`).join(', ')} stopped`
      : 'none left';
    try {
      report['redis keys'] = await deleteRedisKeys(REDIS_URL, redisPrefix);
    } catch (error) {
      report['redis keys'] = `FAILED: ${error.message}`;
    }
    rmSync(tempDir, { recursive: true, force: true });
    report['temp dir'] = 'removed';
    return report;
  })();
  return cleaning;
}

function table(rows) {
  const columns = {
    label: 'target',
    rps: 'req/s',
    p50Ms: 'p50 ms',
    p99Ms: 'p99 ms',
    meanMs: 'mean ms',
    maxMs: 'max ms',
    non2xx: 'non-2xx',
    errors: 'errors',
    proxyCpuPercent: 'proxy CPU %',
    proxyCpuUsPerRequest: 'proxy CPU µs/req',
    rpsPerRound: 'req/s per round',
  };
  const keys = Object.keys(columns);
  const cell = (value) => (Array.isArray(value) ? value.join(' / ') : (value ?? '-'));
  const lines = [Object.values(columns), ...rows.map((row) => keys.map((key) => cell(row[key])))];
  return formatTable(lines);
}

/** Median of the figures measured (null: not measured); between two middle ones, to 2 decimals. */
const medianOf = (values) => {
  const measured = values.filter((value) => value !== null);
  if (!measured.length) return null;
  return measured.length % 2 ? median(measured) : +median(measured).toFixed(2);
};

function medianRow(label, rows) {
  const row = { label, rounds: rows.length };
  for (const key of Object.keys(rows[0]).filter((key) => key !== 'label')) {
    row[key] = ['non2xx', 'errors'].includes(key)
      ? rows.reduce((sum, r) => sum + r[key], 0)
      : medianOf(rows.map((r) => r[key]));
  }
  row.rpsPerRound = rows.map((r) => r.rps);
  return row;
}

async function main() {
  const began = Date.now();
  const nginxBinary = findNginx();
  const busyBefore = await machineBusyPercent();
  say(
    `router bench: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per target, loopback only`,
  );
  const upstream = await startUpstream();
  await seedTable(upstream.port);
  const targets = [
    { label: 'direct', start: null },
    { label: 'edge, 1 thread', start: () => startRouter(upstream.port, 1, 'haproxy') },
    { label: 'edge, 2 threads', start: () => startRouter(upstream.port, 2, 'haproxy') },
    // The Node router alone (NIMBUS_EDGE=node), as before the edge: for comparison.
    { label: 'node router, 1 worker', start: () => startRouter(upstream.port, 1, 'node') },
    { label: 'node router, 2 workers', start: () => startRouter(upstream.port, 2, 'node') },
    ...(nginxBinary
      ? [
          {
            label: 'nginx, 1 worker',
            start: () => startNginx(nginxBinary, upstream.port, 1),
            signal: 'SIGQUIT',
          },
          {
            label: 'nginx, 2 workers',
            start: () => startNginx(nginxBinary, upstream.port, 2),
            signal: 'SIGQUIT',
          },
        ]
      : []),
  ];
  if (!nginxBinary) say('nginx: not installed (apt-get install -y nginx), its rows are skipped');
  const samples = new Map(targets.map(({ label }) => [label, []]));
  // Other work on the machine comes and goes: rounds in alternating order, then the median of
  // each figure, keep one quiet or busy stretch from deciding a comparison.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { label, start, signal } of round % 2 ? targets : [...targets].reverse()) {
      say(`- round ${round}/${ROUNDS}: ${label}`);
      const proxy = start ? await start() : null;
      try {
        samples.get(label).push(await measure(label, proxy ? proxy.port : upstream.port, proxy?.child.pid));
      } finally {
        if (proxy) await stop(proxy, signal);
      }
    }
  }
  await stop(upstream);
  const results = targets.map(({ label }) => medianRow(label, samples.get(label)));

  const by = (label) => results.find((row) => row.label === label);
  const direct = by('direct');
  const comparisons = [1, 2].flatMap((workers) => {
    const plural = workers > 1 ? 's' : '';
    const nginx = by(`nginx, ${workers} worker${plural}`);
    return [
      [`edge, ${workers} thread${plural}`, true],
      [`node router, ${workers} worker${plural}`, false],
    ].map(([label, judged]) => {
      const router = by(label);
      return {
        label,
        workers,
        judged,
        addedP99Ms: router.p99Ms - direct.p99Ms,
        addedP50Ms: router.p50Ms - direct.p50Ms,
        percentOfNginx: nginx ? Math.round((100 * router.rps) / nginx.rps) : null,
        cpuUsPerRequest: router.proxyCpuUsPerRequest,
        nginxCpuUsPerRequest: nginx?.proxyCpuUsPerRequest ?? null,
        nginxAddedP99Ms: nginx ? nginx.p99Ms - direct.p99Ms : null,
      };
    });
  });
  const cleaned = await cleanup();

  say();
  const { node, cpus, cpuModel } = machine();
  say(
    `node ${node}, ${cpus} CPUs (${cpuModel}), nginx ${nginxBinary ? nginxVersion(nginxBinary) : 'absent'}`,
  );
  say(
    'every process (load generator, proxy, upstream, Redis) shares the machine: compare rows, not machines',
  );
  say(busyLine(busyBefore));
  say(
    'latency: autocannon records whole milliseconds; closed loop, so it includes queueing at this concurrency',
  );
  say(
    `each figure is the median of ${ROUNDS} rounds run in alternating order (req/s per round in the last column)`,
  );
  say();
  for (const line of table(results)) say(line);
  say();
  const verdict = (met) => (met ? 'MET' : 'MISSED');
  for (const c of comparisons) {
    let line = `${c.label}: p99 +${c.addedP99Ms} ms, p50 +${c.addedP50Ms} ms over direct`;
    if (c.percentOfNginx !== null) {
      line += `; ${c.percentOfNginx}% of nginx's req/s with as many workers; CPU ${c.cpuUsPerRequest} µs/req vs nginx's ${c.nginxCpuUsPerRequest}; nginx adds p99 +${c.nginxAddedP99Ms} ms`;
    }
    say(line);
    if (c.judged && c.percentOfNginx !== null) {
      say(
        `  goals: req/s ≥ nginx's ${verdict(c.percentOfNginx >= GOAL_PERCENT_OF_NGINX)}, ` +
          `p99 added ≤ ${GOAL_ADDED_P99_MS} ms ${verdict(c.addedP99Ms <= GOAL_ADDED_P99_MS)}, ` +
          `CPU/req ≤ nginx's ${verdict(c.cpuUsPerRequest <= c.nginxCpuUsPerRequest)}`,
      );
    }
  }
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${Math.round((Date.now() - began) / 1000)} s`);
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify({ connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS, machineBusyPercentBefore: busyBefore, node, cpus, results, comparisons, cleanup: cleaned }, null, 2)}\n`,
    );
  }
}

function nginxVersion(binary) {
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  return (result.stderr || result.stdout).trim().replace('nginx version: nginx/', '');
}

runBench(main, { cleanup, deadlineSeconds: HARD_LIMIT_S });
