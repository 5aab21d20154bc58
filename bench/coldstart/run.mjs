// Serverless scaling on a whole platform of real processes: requests to an app scaled to zero,
// timed from the request to its first byte and split where the time went, and load steps on an
// app autoscaled on CPU, timed to the autoscaler's decision and to the new instances' readiness.
// See bench/README.md ("coldstart/").
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PLATFORM_COMPILED, exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, median, percentile } from '../lib/measure.mjs';
import { DATABASE_SERVER_URL, REDIS_URL } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST = '127.0.0.1';
const TENANT = 'bench';
const NAMESPACE = 'default';
const GOAL_COLD_P50_MS = 300;
const GOAL_DECISION_MS = 2000;
/** Scales the cold app to zero soon after each request, so that a cycle takes seconds. */
const IDLE_TIMEOUT = '1s';
/** The load of a step: 10 ms of CPU per request at 30 a second, 0.3 cores on a 250m request. */
const STEP_RATE = 30;
const STEP_SECONDS = 8;
const CPU_MS_PER_REQUEST = 10;
/** Between steps the app is back at one instance and its CPU average has fallen for this long. */
const QUIET_MS = 4000;
const CYCLE_TIMEOUT_MS = 60_000;

const options = parseOptions(
  { json: false, cycles: 20, steps: 5, runtime: 'process', sandbox: 'auto', deadline: 900 },
  {
    usage:
      'usage: node bench/coldstart/run.mjs [--json] [--cycles=N] [--steps=N] [--runtime=process|oci] ' +
      '[--sandbox=auto|runc|none] [--deadline=SECONDS]',
    choices: { runtime: ['process', 'oci'], sandbox: ['auto', 'runc', 'none'] },
  },
);
exitUnlessBuilt(ROOT, PLATFORM_COMPILED);
// Loaded once the compiled code is known to be there.
const { chooseSandbox } = await import('../build/build-phase.mjs');
const { createAppRepository, git } = await import('../build/bench-app.mjs');
const { timedGitPush } = await import('../build/push.mjs');
const { makeRunDir, runCleanup } = await import('../build/platform.mjs');
const { ServingPlatform } = await import('../serving/cluster.mjs');
const { EndpointWatch } = await import('../serving/deploy.mjs');
const { containerSupport } = createRequire(import.meta.url)('@nimbus/sandbox');

// With --json, stdout carries only the JSON document.
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const { root, giveUp } = makeRunDir('coldstart');
const sandbox = await chooseSandbox(options.sandbox).catch((error) => giveUp(error.message));
if (options.runtime === 'oci') {
  const support = await containerSupport();
  if (!support.available) giveUp(`--runtime=oci, but runc cannot run here: ${support.reason}`);
}
const platform = new ServingPlatform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId: randomBytes(6).toString('hex'),
  serverUrl: DATABASE_SERVER_URL,
  redisUrl: REDIS_URL,
});
const watch = new EndpointWatch(REDIS_URL, platform.redisPrefix);
const cleanup = runCleanup(platform, root, () => watch.close());

const appPath = (app) => `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps/${app}`;
const hostOf = (app) => `${app}.${NAMESPACE}.${TENANT}.localhost`;

/**
 * Answers with when its node process started and began to listen (epoch ms), after burning
 * `cpuMs` of CPU. `node server.js` in a Procfile: `npm start` would add npm's own boot to every
 * cold start, which an app tuned for scaling from zero does not pay.
 */
const serverJs = (cpuMs) => `const http = require('node:http');
let listeningAt = null;
const server = http.createServer((request, response) => {
  const busyUntil = Date.now() + ${cpuMs};
  while (Date.now() < busyUntil);
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ processStartedAt: Math.round(performance.timeOrigin), listeningAt }));
});
server.listen(Number(process.env.PORT), () => (listeningAt = Date.now()));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

/** Creates `app`, pushes it and waits for its one instance to be ready; returns its id. */
async function deploy(app, cpuMs) {
  await platform.api('POST', `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps`, {
    name: app,
    runtime: options.runtime,
  });
  const dir = join(root, app);
  createAppRepository(dir, { serverJs: serverJs(cpuMs), message: 'v1' });
  writeFileSync(join(dir, 'Procfile'), 'web: node server.js\n');
  git(dir, 'add', 'Procfile');
  git(dir, 'commit', '-qm', 'Procfile');
  const push = await timedGitPush(dir, platform.gitRemote(`${TENANT}/${NAMESPACE}/${app}`), 180_000);
  if (push.code !== 0) throw new Error(`git push of ${app} exited ${push.code}\n${push.output.slice(-3000)}`);
  const { rows } = await platform.query(`SELECT id FROM "App" WHERE name = $1`, [app]);
  return rows[0].id;
}

const LIVE = `phase NOT IN ('exited', 'failed', 'lost')`;

/** The autoscaler's record of `appId`'s web, and its live service instances. */
async function stateOf(appId) {
  const { rows } = await platform.query(
    `SELECT a."scaledToZeroAt", a."lastScaleAt", f.replicas,
            (SELECT count(*)::int FROM "Instance" i
              WHERE i."appId" = a."appId" AND i.kind = 'service' AND ${LIVE}) AS live,
            (SELECT count(*)::int FROM "Instance" i
              WHERE i."appId" = a."appId" AND i.kind = 'service' AND i.ready AND i."drainingSince" IS NULL
                AND i."desiredState" = 'running') AS ready
       FROM "Autoscaler" a JOIN "Formation" f ON f."appId" = a."appId" AND f."processType" = a."processType"
      WHERE a."appId" = $1 AND a."processType" = 'web'`,
    [appId],
  );
  return rows[0];
}

/** GET / through the router on a connection of its own: when it was sent and its first byte came. */
function timedGet(host) {
  return new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const started = performance.now();
    const request = http.get(
      { host: HOST, port: platform.routerPort, path: '/', headers: { host }, agent: false, timeout: 30_000 },
      (response) => {
        const firstByteAt = sentAt + (performance.now() - started);
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ sentAt, firstByteAt, status: response.statusCode, body }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 30 s')));
    request.on('error', reject);
  });
}

/**
 * When the instance created at or after `since` was first seen placed on the node: the platform
 * records no time for it, so it is polled for (every ~5 ms) until `stop` resolves.
 */
async function watchPlacement(appId, since, stop) {
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped) {
    const { rows } = await platform.query(
      `SELECT id FROM "Instance" WHERE "appId" = $1 AND "createdAt" >= $2 AND "nodeId" IS NOT NULL LIMIT 1`,
      [appId, new Date(since)],
    );
    if (rows.length) return { id: rows[0].id, at: Date.now() };
    await sleep(5);
  }
  return null;
}

/** Phases of a cold start, in order; they add up to the whole (request sent → first byte). */
const COLD_PHASES = {
  activate: 'request → decision (router holds it, tells the orchestrator, web raised to 1)',
  schedule: 'decision → placed (instance created, scheduled onto the node)',
  start: 'placed → started (agent hears it, prepares the image, spawns, reports running)',
  ready: 'started → ready (app boots and listens, readiness probe, report)',
  serve: 'ready → first byte (routers told, held request forwarded, app answers)',
};
/** Marks of a cold start, ms after the request was sent. */
const COLD_MARKS = {
  decided: 'autoscaler raised web to 1 (lastScaleAt)',
  created: 'instance created',
  placed: 'instance seen placed on the node (polled, ±5 ms)',
  processStarted: 'app process started (its own clock)',
  runningRecorded: 'recorded running',
  listening: 'app listens on $PORT (its own clock)',
  readyRecorded: 'recorded ready',
  routed: 'routers told of the new endpoint',
  firstByte: 'first byte of the answer',
};

/** One request to the app at zero, and where its time went (ms). */
async function coldStart(app, appId) {
  await platform.until(
    'the app to be idle at zero',
    async () => {
      const state = await stateOf(appId);
      return state.scaledToZeroAt !== null && state.live === 0;
    },
    CYCLE_TIMEOUT_MS,
  );
  let answered;
  const done = new Promise((resolve) => (answered = resolve));
  const since = Date.now();
  const placement = watchPlacement(appId, since, done);
  const answer = await timedGet(hostOf(app)).finally(() => answered());
  if (answer.status !== 200)
    throw new Error(`the cold request was answered ${answer.status}: ${answer.body}`);
  const placed = await placement;
  const { rows } = await platform.query(
    `SELECT i.id, i."createdAt", i."startedAt", i."readyAt", a."lastScaleAt"
       FROM "Instance" i JOIN "Autoscaler" a ON a."appId" = i."appId" AND a."processType" = i."processType"
      WHERE i."appId" = $1 AND i."createdAt" >= $2 ORDER BY i."createdAt" LIMIT 1`,
    [appId, new Date(since)],
  );
  const instance = rows[0];
  const { processStartedAt, listeningAt } = JSON.parse(answer.body);
  const sent = answer.sentAt;
  const marks = {
    decided: instance.lastScaleAt.getTime(),
    created: instance.createdAt.getTime(),
    placed: placed?.at ?? NaN,
    processStarted: processStartedAt,
    runningRecorded: instance.startedAt.getTime(),
    listening: listeningAt,
    readyRecorded: instance.readyAt.getTime(),
    routed: watch.listed(hostOf(app), instance.id, since) ?? NaN,
    firstByte: answer.firstByteAt,
  };
  const order = [
    sent,
    marks.decided,
    marks.placed,
    marks.runningRecorded,
    marks.readyRecorded,
    marks.firstByte,
  ];
  const phases = Object.fromEntries(
    Object.keys(COLD_PHASES).map((name, i) => [name, order[i + 1] - order[i]]),
  );
  return {
    totalMs: answer.firstByteAt - sent,
    phases,
    sinceRequestMs: Object.fromEntries(Object.entries(marks).map(([name, at]) => [name, at - sent])),
  };
}

/** `rate` GETs a second for `seconds` on kept-alive connections; the answers by status. */
async function steadyLoad(host, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const answers = {};
  const count = (label) => (answers[label] = (answers[label] ?? 0) + 1);
  const inFlight = [];
  const began = performance.now();
  for (let sent = 0; sent < rate * seconds; sent++) {
    const due = began + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      new Promise((resolve) => {
        const request = http.get(
          { host: HOST, port: platform.routerPort, path: '/', headers: { host }, agent },
          (response) => {
            response.resume();
            response.on('end', () => resolve(count(`HTTP ${response.statusCode}`)));
          },
        );
        request.setTimeout(10_000, () => request.destroy(new Error('timeout')));
        request.on('error', (error) => resolve(count(error.message)));
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return answers;
}

/** Back at one ready instance, nothing else live, and quiet for QUIET_MS. */
async function settleAtOne(appId) {
  await platform.until(
    'the app to be back at one instance',
    async () => {
      const state = await stateOf(appId);
      return state.replicas === 1 && state.live === 1 && state.ready === 1;
    },
    CYCLE_TIMEOUT_MS,
  );
  await sleep(QUIET_MS);
}

/** A CPU load step on the app at one instance: when the autoscaler decided, when the new ones were ready. */
async function loadStep(app, appId) {
  await settleAtOne(appId);
  const stepAt = Date.now();
  const load = steadyLoad(hostOf(app), STEP_RATE, STEP_SECONDS);
  let decision = null;
  await platform.until(
    'the autoscaler to scale up',
    async () => {
      const state = await stateOf(appId);
      if (state.lastScaleAt && state.lastScaleAt.getTime() > stepAt && state.replicas > 1) decision = state;
      return decision !== null;
    },
    STEP_SECONDS * 1000,
  );
  const decidedAt = decision.lastScaleAt.getTime();
  const added = decision.replicas - 1;
  let readyAts = [];
  await platform.until(
    'the new instances to be ready',
    async () => {
      const { rows } = await platform.query(
        `SELECT "readyAt" FROM "Instance"
        WHERE "appId" = $1 AND kind = 'service' AND "createdAt" >= $2 AND "readyAt" IS NOT NULL
        ORDER BY "readyAt" LIMIT $3`,
        [appId, decision.lastScaleAt, added],
      );
      readyAts = rows.map((row) => row.readyAt.getTime());
      return readyAts.length === added;
    },
    CYCLE_TIMEOUT_MS,
  );
  const answers = await load;
  return {
    to: decision.replicas,
    decisionMs: decidedAt - stepAt,
    firstReadyMs: readyAts[0] - stepAt,
    allReadyMs: readyAts.at(-1) - stepAt,
    answers,
  };
}

const round = (value) => (Number.isFinite(value) ? Math.round(value) : null);
const summarize = (values) => {
  const finite = values.filter(Number.isFinite);
  const sorted = [...finite].sort((a, b) => a - b);
  return { p50: round(median(finite)), p95: round(percentile(sorted, 0.95)), max: round(sorted.at(-1)) };
};

async function measure() {
  const began = Date.now();
  say(`platform: database ${platform.dbName}, Redis prefix ${platform.redisPrefix}`);
  await platform.createDatabase();
  await platform.startRouter();
  await platform.startGateway();
  await platform.seed(TENANT, NAMESPACE);
  await platform.startOrchestrator();
  await platform.startAgent();
  await watch.start();
  const builder = await platform.startBuilder('builder');
  say(
    `platform up in ${((Date.now() - began) / 1000).toFixed(1)} s (router on ${HOST}:${platform.routerPort})`,
  );

  const coldId = await deploy('sleeper', 0);
  await platform.api('PUT', `${appPath('sleeper')}/autoscale/web`, {
    min: 0,
    max: 1,
    concurrency: 10,
    idleTimeout: IDLE_TIMEOUT,
  });
  const crunchId = await deploy('crunch', CPU_MS_PER_REQUEST);
  await builder.remove();
  await platform.api('PUT', `${appPath('crunch')}/autoscale/web`, {
    min: 1,
    max: 4,
    cpu: 50,
    behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
  });

  const cold = [];
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    const run = await coldStart('sleeper', coldId);
    cold.push(run);
    const parts = Object.values(run.phases)
      .map((ms) => Math.round(ms))
      .join(' + ');
    say(`  cold start ${cycle}/${options.cycles}: ${Math.round(run.totalMs)} ms (${parts})`);
  }
  // The cold app stays at zero from here: the steps have the node to themselves.
  const steps = [];
  for (let step = 1; step <= options.steps; step++) {
    const run = await loadStep('crunch', crunchId);
    steps.push(run);
    say(
      `  load step ${step}/${options.steps}: 1 → ${run.to}, decided after ${run.decisionMs} ms, ` +
        `first new ready after ${run.firstReadyMs} ms, all after ${run.allReadyMs} ms (${describe(run.answers)})`,
    );
  }
  return { cold, steps };
}

function report(runs) {
  const { cold, steps } = runs;
  const coldTotal = summarize(cold.map((run) => run.totalMs));
  const decision = summarize(steps.map((run) => run.decisionMs));
  const failed = {};
  for (const run of steps)
    for (const [label, count] of Object.entries(run.answers))
      if (label !== 'HTTP 200') failed[label] = (failed[label] ?? 0) + count;
  return {
    cold: {
      runs: cold.length,
      totalMs: coldTotal,
      phasesMs: Object.fromEntries(
        Object.keys(COLD_PHASES).map((name) => [name, summarize(cold.map((run) => run.phases[name]))]),
      ),
      sinceRequestMs: Object.fromEntries(
        Object.keys(COLD_MARKS).map((name) => [name, summarize(cold.map((run) => run.sinceRequestMs[name]))]),
      ),
    },
    steps: {
      runs: steps.length,
      scaledTo: steps.map((run) => run.to),
      decisionMs: decision,
      firstReadyMs: summarize(steps.map((run) => run.firstReadyMs)),
      allReadyMs: summarize(steps.map((run) => run.allReadyMs)),
      failedAnswers: failed,
    },
    goals: {
      coldP50Ms: GOAL_COLD_P50_MS,
      coldMet: coldTotal.p50 <= GOAL_COLD_P50_MS,
      decisionMs: GOAL_DECISION_MS,
      decisionMet: decision.p50 <= GOAL_DECISION_MS,
    },
  };
}

async function main() {
  const began = Date.now();
  const busyBefore = await machineBusyPercent();
  say(`serverless scaling: ${options.cycles} cold starts from zero, ${options.steps} CPU load steps`);
  const runs = await measure();
  const cleaned = await cleanup();
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    app: 'Node.js (`web: node server.js`), answers at once (cold) or after 10 ms of CPU (steps)',
    runtime: options.runtime,
    platform: 'orchestrator, router and agent with their defaults (sync 1 s, CPU window 3 s)',
    ...report(runs),
    cleanup: cleaned,
    totalSeconds: +((Date.now() - began) / 1000).toFixed(1),
  };

  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel}); instance runtime: ${result.runtime}`);
  say(busyLine(busyBefore));
  say(`app: ${result.app}; ${result.platform}`);
  say();
  const { cold, steps, goals } = result;
  const cells = (s) => [s.p50, s.p95, s.max].map((value) => String(value ?? '-'));
  const width = Math.max(
    ...[...Object.values(COLD_PHASES), ...Object.values(COLD_MARKS)].map((t) => t.length),
  );
  const rows = [
    [`cold start, ms (n=${cold.runs})`.padEnd(width), 'p50', 'p95', 'max'],
    ['request → first byte', ...cells(cold.totalMs)],
    ...Object.entries(COLD_PHASES).map(([name, text]) => [`  ${text}`, ...cells(cold.phasesMs[name])]),
    [`goal: p50 ≤ ${goals.coldP50Ms} ms`, goals.coldMet ? 'MET' : 'MISSED', '', ''],
    [''],
    ['when, ms after the request', '', '', ''],
    ...Object.entries(COLD_MARKS).map(([name, text]) => [`  ${text}`, ...cells(cold.sinceRequestMs[name])]),
    [''],
    [`CPU load step 1 → 240% of target, ms (n=${steps.runs})`, '', '', ''],
    ['  step → autoscaler decision', ...cells(steps.decisionMs)],
    ['  step → first new instance ready', ...cells(steps.firstReadyMs)],
    ['  step → all new instances ready', ...cells(steps.allReadyMs)],
    [`goal: decision p50 ≤ ${goals.decisionMs} ms`, goals.decisionMet ? 'MET' : 'MISSED', '', ''],
  ];
  for (const line of formatTable(rows.map((row) => [...row, '', '', ''].slice(0, 4)))) say(line);
  say();
  say(
    `scaled to: ${steps.scaledTo.join(', ')}; answers other than 200 during the steps: ${describe(steps.failedAnswers) || 'none'}`,
  );
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${result.totalSeconds} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runBench(main, { cleanup, deadlineSeconds: options.deadline, onFailure: () => platform.writeLogTails() });
