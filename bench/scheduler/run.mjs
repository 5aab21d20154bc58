// Placement throughput and latency of the scheduler, in-process, on a simulated cluster. See bench/README.md.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../lib/cli.mjs';
import { busyLine, machine, machineBusyPercent, median, percentile } from '../lib/measure.mjs';
import { random, simulatedNodes, simulatedQuotas, simulatedRequests } from './cluster.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOAL_PER_SECOND = 5_000;
/** kube-scheduler's throughput floor in its CI (scheduler_perf), for scale. */
const KUBE_FLOOR_PER_SECOND = 700;
const NAMESPACES = ['ns-open', 'ns-instances', 'ns-memory', 'ns-cpu', 'ns-unlisted'];
/** How often (in placements) a run checks the deadline: the placements themselves are synchronous. */
const DEADLINE_CHECK_EVERY = 500;

const options = parseOptions(
  { json: false, runs: 7, warmup: 3, nodes: 1000, instances: 10_000, apps: 500, seed: 1, deadline: 120 },
  {
    usage:
      'usage: node bench/scheduler/run.mjs [--json] [--runs=N] [--warmup=N] [--nodes=N] [--instances=N] [--apps=N] [--seed=N] [--deadline=SECONDS]',
    mayBeZero: ['warmup'],
  },
);
const COMPILED = join(ROOT, 'libs/cluster/dist/index.js');
if (!existsSync(COMPILED)) {
  process.stderr.write('build first: npx tsc -b libs/cluster\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { Scheduler } = require('@nimbus/cluster');

// With --json, stdout carries only the JSON document.
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const round = (value, digits = 2) => +value.toFixed(digits);

/**
 * One run: a fresh snapshot of the same cluster, every request placed in turn. The clock is read
 * around each placement; its cost (tens of nanoseconds) is in the throughput figure too.
 */
function run(workload, deadlineAt) {
  const constructed = performance.now();
  const scheduler = new Scheduler(workload.nodes, workload.quotas);
  const began = performance.now();
  const latencies = new Float64Array(workload.requests.length);
  const placements = new Array(workload.requests.length);
  for (let i = 0; i < workload.requests.length; i++) {
    if (i % DEADLINE_CHECK_EVERY === 0 && performance.now() > deadlineAt) {
      throw new Error(`deadline of ${options.deadline} s passed`);
    }
    const start = performance.now();
    placements[i] = scheduler.place(workload.requests[i]);
    latencies[i] = performance.now() - start;
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    constructMs: began - constructed,
    perSecond: workload.requests.length / seconds,
    latencies,
    placements,
  };
}

/** Why placements failed, by kind, with an example of each. */
function unschedulable(placements) {
  const byKind = {};
  const examples = {};
  for (const placement of placements) {
    if (placement.nodeId !== null) continue;
    const kind = placement.reason.startsWith('0/') ? 'no node fits' : placement.reason.split(':')[0];
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    examples[kind] ??= placement.reason;
  }
  return {
    total: Object.values(byKind).reduce((sum, n) => sum + n, 0),
    byKind,
    examples: Object.values(examples),
  };
}

/**
 * Whether the placements look right: how many instances of one app share a node, against the
 * fewest possible were the app's instances spread evenly over the nodes it may use; and how evenly
 * the cpu ended up used.
 */
function distribution(workload, placements) {
  const perAppNode = new Map();
  const allocatedCpu = new Map(workload.nodes.map((node) => [node.id, node.allocated.cpuMillis]));
  placements.forEach((placement, i) => {
    if (placement.nodeId === null) return;
    const request = workload.requests[i];
    const key = `${request.appId}\n${placement.nodeId}`;
    perAppNode.set(key, (perAppNode.get(key) ?? 0) + 1);
    allocatedCpu.set(placement.nodeId, allocatedCpu.get(placement.nodeId) + request.cpuMillis);
  });
  const counts = [...perAppNode.values()];
  const usable = workload.nodes.filter((node) => node.ready && !node.cordoned);
  const cpuUsed = usable
    .map((node) => allocatedCpu.get(node.id) / node.capacity.cpuMillis)
    .sort((a, b) => a - b);
  return {
    maxInstancesOfOneAppOnOneNode: Math.max(0, ...counts),
    appNodePairsWithMoreThanOne: counts.filter((count) => count > 1).length,
    largestAppInstances: Math.max(0, ...tallyByApp(workload.requests).values()),
    cpuUsedFraction: {
      min: round(cpuUsed[0] ?? 0),
      median: round(median(cpuUsed)),
      max: round(cpuUsed.at(-1) ?? 0),
    },
  };
}

function tallyByApp(requests) {
  const byApp = new Map();
  for (const { appId } of requests) byApp.set(appId, (byApp.get(appId) ?? 0) + 1);
  return byApp;
}

const fingerprint = (placements) => placements.map((placement) => placement.nodeId ?? '-').join(',');

function simulatedWorkload() {
  const next = random(options.seed);
  const nodes = simulatedNodes(next, options.nodes);
  const requests = simulatedRequests(next, { ...options, namespaces: NAMESPACES });
  return { nodes, requests, quotas: simulatedQuotas(NAMESPACES, options.instances) };
}

function report(result) {
  const { throughput: t, latencyUs: l, unschedulable: u, distribution: d } = result;
  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel})`);
  say(busyLine(result.machineBusyPercentBefore));
  say(
    `workload: ${options.instances} instances of ${options.apps} apps in ${NAMESPACES.length} namespaces (${result.quotas} with quotas) on ${options.nodes} nodes (${result.unusableNodes} not ready or cordoned), seed ${options.seed}`,
  );
  say('scoring: exhaustive, every feasible node scored for every placement (no sampling)');
  say();
  say(
    `placements/s   median ${t.medianPerSecond}, min ${t.minPerSecond}, max ${t.maxPerSecond} (${options.runs} runs after ${options.warmup} warm-up)`,
  );
  say(`per placement  p50 ${l.p50} µs, p99 ${l.p99} µs, max ${l.max} µs (all measured runs)`);
  say(
    `snapshot       ${result.constructMs} ms to build from ${options.nodes} nodes (median, not in the figures above)`,
  );
  say(
    `unschedulable  ${u.total} of ${options.instances}: ${
      Object.entries(u.byKind)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ') || 'none'
    }`,
  );
  for (const example of u.examples) say(`                e.g. "${example}"`);
  say(
    `spreading      at most ${d.maxInstancesOfOneAppOnOneNode} instance(s) of one app on one node; ${d.appNodePairsWithMoreThanOne} app/node pairs with more than one (largest app: ${d.largestAppInstances} instances)`,
  );
  say(
    `cpu used       per usable node after placing: min ${d.cpuUsedFraction.min}, median ${d.cpuUsedFraction.median}, max ${d.cpuUsedFraction.max}`,
  );
  say(
    `deterministic  ${result.deterministic ? 'yes: every run placed every instance on the same node' : 'NO: runs differed'}`,
  );
  say();
  say(
    `goal: >= ${GOAL_PER_SECOND} placements/s: ${result.goal.met ? 'MET' : 'MISSED'} (median ${t.medianPerSecond}/s; kube-scheduler's CI floor is ~${KUBE_FLOOR_PER_SECOND}/s)`,
  );
  say(`bench took ${result.totalSeconds} s`);
}

async function main() {
  const began = performance.now();
  const deadlineAt = began + options.deadline * 1000;
  const busyBefore = await machineBusyPercent();
  const workload = simulatedWorkload();
  say(
    `placing ${options.instances} instances on ${options.nodes} nodes: ${options.warmup} warm-up runs, ${options.runs} measured`,
  );
  for (let i = 0; i < options.warmup; i++) run(workload, deadlineAt);
  const runs = [];
  for (let i = 0; i < options.runs; i++) {
    runs.push(run(workload, deadlineAt));
    say(`  run ${i + 1}/${options.runs}: ${Math.round(runs.at(-1).perSecond)} placements/s`);
  }
  const rates = runs.map((r) => r.perSecond);
  const latencies = Float64Array.from(runs.flatMap((r) => [...r.latencies])).sort();
  const us = (ms) => round(ms * 1000, 1);
  const last = runs.at(-1).placements;
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    options,
    quotas: workload.quotas.length,
    unusableNodes: workload.nodes.filter((node) => !node.ready || node.cordoned).length,
    sampling: 'none',
    throughput: {
      medianPerSecond: Math.round(median(rates)),
      minPerSecond: Math.round(Math.min(...rates)),
      maxPerSecond: Math.round(Math.max(...rates)),
      samples: rates.map((rate) => Math.round(rate)),
    },
    latencyUs: {
      p50: us(percentile(latencies, 0.5)),
      p99: us(percentile(latencies, 0.99)),
      max: us(latencies.at(-1)),
    },
    constructMs: round(median(runs.map((r) => r.constructMs))),
    unschedulable: unschedulable(last),
    distribution: distribution(workload, last),
    deterministic: runs.every((r) => fingerprint(r.placements) === fingerprint(last)),
    goal: { perSecond: GOAL_PER_SECOND, met: median(rates) >= GOAL_PER_SECOND },
    totalSeconds: round((performance.now() - began) / 1000, 1),
  };
  report(result);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
