// CPU per HPA sync for many autoscaled apps, in-process: `decideReplicas` over every app, per sync.
// See bench/README.md.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { busyLine, machine, machineBusyPercent, percentile } from '../lib/measure.mjs';
import { formatTable } from '../lib/table.mjs';
import { driftLoad, observe, random, simulatedApps } from './apps.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START = Date.parse('2026-01-01T00:00:00.000Z');

const options = parseOptions(
  { json: false, apps: 1000, syncs: 300, warmup: 30, syncms: 1000, history: 60, seed: 1 },
  {
    usage:
      'usage: node bench/autoscale/hpa-sync.mjs [--json] [--apps=N] [--syncs=N] [--warmup=N] [--syncms=MS] [--history=SECONDS] [--seed=N]',
    mayBeZero: ['warmup', 'history'],
  },
);
exitUnlessBuilt(ROOT, ['libs/cluster/dist/index.js']);
const require = createRequire(import.meta.url);
const { decideReplicas, resolveBehavior } = require('@nimbus/cluster');

// With --json, stdout carries only the JSON document.
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);
const round = (value, digits = 2) => +value.toFixed(digits);

/** What the orchestrator would hand `decideReplicas` for `app` at `now`. */
function inputFor(app, now, next) {
  return {
    now,
    currentReplicas: app.replicas,
    readyReplicas: app.ready,
    minReplicas: app.minReplicas,
    maxReplicas: app.maxReplicas,
    targets: app.targets,
    observed: observe(next, app),
    behavior: app.behavior,
    history: app.history,
    tolerance: 0.1,
    panicThreshold: 2,
    panicHoldMs: 60_000,
  };
}

/**
 * One sync: the inputs are built first (the orchestrator reads them from Redis and the database;
 * not what this bench measures), then only the decisions are timed, then applied: new instances
 * become ready one sync later.
 */
function sync(apps, now, next, tally) {
  for (const app of apps) driftLoad(next, app);
  const inputs = apps.map((app) => inputFor(app, now, next));
  const decisions = new Array(apps.length);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let i = 0; i < inputs.length; i++) decisions[i] = decideReplicas(inputs[i]);
  const wallMs = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  decisions.forEach((decision, i) => {
    const app = apps[i];
    app.ready = Math.min(app.replicas, decision.replicas);
    app.replicas = decision.replicas;
    app.history = decision.history;
    if (!tally) return;
    if (decision.replicas !== inputs[i].currentReplicas) tally.changed++;
    if (decision.panic) tally.panicking++;
    if (decision.limitedBy)
      tally.limitedBy[decision.limitedBy] = (tally.limitedBy[decision.limitedBy] ?? 0) + 1;
  });
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5), 3),
    p95: round(percentile(sorted, 0.95), 3),
    max: round(sorted.at(-1), 3),
  };
}

function report(result) {
  const { cpuMsPerSync: cpu, wallMsPerSync: wall, perAppCpuUs: perApp, decisions: d } = result;
  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel})`);
  say(busyLine(result.machineBusyPercentBefore));
  say(
    `workload: ${options.apps} autoscaled apps of 1–10 instances (cpu and/or concurrency targets, 1 in 20 also rps), a ${options.history} s history each, one sync every ${options.syncms} ms (simulated), seed ${options.seed}`,
  );
  say();
  for (const line of formatTable([
    ['', 'p50', 'p95', 'max'],
    ['CPU per sync (ms)', cpu.p50, cpu.p95, cpu.max],
    ['wall per sync (ms)', wall.p50, wall.p95, wall.max],
    ['CPU per app (µs)', perApp.p50, perApp.p95, perApp.max],
  ]))
    say(line);
  say();
  say(
    `decisions  ${d.total} over ${options.syncs} syncs: ${d.changed} changed replicas, ${d.panicking} while panicking; limited by ${
      Object.entries(d.limitedBy)
        .map(([why, n]) => `${why} ${n}`)
        .join(', ') || 'nothing'
    }`,
  );
  say(
    `history    ${result.historyAtEnd.recommendations} recommendations and ${result.historyAtEnd.events} scale events per app at the end (mean)`,
  );
  say(
    `load       at one sync every ${options.syncms} ms the decisions take ${result.coreFraction}% of one core (p50 CPU per sync / sync period)`,
  );
  say(`bench took ${result.totalSeconds} s`);
}

async function main() {
  const began = performance.now();
  const busyBefore = await machineBusyPercent();
  const next = random(options.seed);
  const apps = simulatedApps(next, {
    count: options.apps,
    now: START,
    syncMs: options.syncms,
    historySeconds: options.history,
  });
  for (const app of apps) app.behavior = resolveBehavior(app.overrides);
  say(`${options.apps} apps: ${options.warmup} warm-up syncs, then ${options.syncs} measured`);

  let now = START;
  for (let i = 0; i < options.warmup; i++) sync(apps, (now += options.syncms), next, null);
  const tally = { changed: 0, panicking: 0, limitedBy: {} };
  const syncs = [];
  for (let i = 0; i < options.syncs; i++) syncs.push(sync(apps, (now += options.syncms), next, tally));

  const cpuMs = syncs.map((s) => s.cpuMs);
  const cpuSummary = summary(cpuMs);
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    options,
    cpuMsPerSync: cpuSummary,
    wallMsPerSync: summary(syncs.map((s) => s.wallMs)),
    perAppCpuUs: summary(cpuMs.map((ms) => (ms * 1000) / options.apps)),
    decisions: { total: options.apps * options.syncs, ...tally },
    historyAtEnd: {
      recommendations: round(mean(apps.map((app) => app.history.recommendations.length)), 1),
      events: round(mean(apps.map((app) => app.history.events.length)), 1),
    },
    coreFraction: round((100 * cpuSummary.p50) / options.syncms, 2),
    totalSeconds: round((performance.now() - began) / 1000, 1),
  };
  report(result);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
