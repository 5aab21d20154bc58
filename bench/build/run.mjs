// Deploy timings for a small Node.js app with one npm dependency: push-to-release through a real
// gateway and builder, cold (fresh app, empty caches) and warm (lockfile unchanged), the build
// phase alone in-process, and the image size. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { commitSourceChange, createAppRepository } from './bench-app.mjs';
import { descendants, killSnapshot } from './processes.mjs';
import { PHASES, pushToRelease } from './push.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPILED = ['apps/gateway/dist/main.js', 'apps/builder/dist/main.js', 'libs/testing/dist/index.js'];
const GOALS = { coldSeconds: 15, warmSeconds: 3 };
const TENANT = 'bench';
const NAMESPACE = 'default';
/** A push, or one step of an in-process build, that takes longer has failed. */
const STEP_TIMEOUT_MS = 120_000;

const USAGE =
  'usage: node bench/build/run.mjs [--json] [--cold=N] [--warm=N] [--sandbox=auto|runc|none] [--deadline=SECONDS]';
const options = { json: false, cold: 3, warm: 5, sandbox: 'auto', deadline: 900 };
for (const arg of process.argv.slice(2)) {
  const [, name, value] = /^--([a-z]+)(?:=([a-z0-9]+))?$/.exec(arg) ?? [];
  if (name === 'json' && value === undefined) options.json = true;
  else if (name === 'sandbox' && ['auto', 'runc', 'none'].includes(value)) options.sandbox = value;
  else if (['cold', 'warm', 'deadline'].includes(name) && /^\d+$/.test(value) && Number(value) > 0)
    options[name] = Number(value);
  else {
    process.stderr.write(`${USAGE}\nnot understood: ${arg}\n`);
    process.exit(2);
  }
}
const missing = COMPILED.filter((file) => !existsSync(join(ROOT, file)));
if (missing.length) {
  process.stderr.write(`build first (npx tsc -b): missing ${missing.join(', ')}\n`);
  process.exit(2);
}
// Loaded once the compiled code is known to be there.
const { chooseSandbox, measureBuildPhase } = await import('./build-phase.mjs');
const { Platform } = await import('./platform.mjs');

// With --json, stdout carries only the JSON document.
const verbose = Boolean(process.env.BENCH_VERBOSE);
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const root = mkdtempSync(join(os.tmpdir(), 'nimbus-bench-build-'));
// runc's state and bundles (of the sandbox probe and the in-process builds) land here, so they
// go with the rest even when a build is cut short.
process.env.TMPDIR = join(root, 'tmp');
mkdirSync(process.env.TMPDIR);
const sandbox = await chooseSandbox(options.sandbox).catch((error) => {
  process.stderr.write(`${error.message}\n`);
  rmSync(root, { recursive: true, force: true });
  process.exit(2);
});
const platform = new Platform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId,
  serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
});

let cleaning;
/** Idempotent: the platform's processes, database and keys, then anything else we started, then the temp dirs. */
function cleanup() {
  cleaning ??= (async () => {
    const report = await platform.cleanup();
    // Left by an in-process build cut short (its npm runs in a sandbox of its own).
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
}

const describe = (report) =>
  Object.entries(report)
    .map(([step, result]) => `${step} ${result}`)
    .join('; ');

let stopping = false;
async function stopEarly(why, code) {
  stopping = true;
  process.stderr.write(`${why}: cleaning up\n`);
  process.stderr.write(`cleanup: ${describe(await cleanup())}\n`);
  process.exit(code);
}

/** Percent of all CPUs busy over the next second: other work on the machine skews every figure. */
async function machineBusyPercent() {
  const sample = () => {
    try {
      const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
      return { idle: ticks[3] + ticks[4], total: ticks.reduce((sum, tick) => sum + tick, 0) };
    } catch {
      return { idle: NaN, total: NaN };
    }
  };
  const before = sample();
  await sleep(1000);
  const after = sample();
  return Math.round(100 - (100 * (after.idle - before.idle)) / (after.total - before.total));
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  const round = (value) => +value.toFixed(3);
  return {
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted.at(-1)),
    samples: values.map(round),
  };
}

function medianPhases(runs) {
  return Object.fromEntries(
    Object.keys(PHASES).map((name) => [
      name,
      Math.round(stats(runs.map((run) => run.phasesMs[name])).median),
    ]),
  );
}

async function measurePushes() {
  say(`platform: database ${platform.dbName}, Redis prefix ${platform.redisPrefix}`);
  await platform.createDatabase();
  await platform.startGateway();
  await platform.seed(TENANT, NAMESPACE);
  const cold = [];
  const warm = [];
  let builder;
  let dir;
  let app;
  for (let run = 0; run < options.cold; run++) {
    await builder?.remove();
    builder = await platform.startBuilder(`builder-${run}`);
    app = `cold-${run}`;
    await platform.api('POST', `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps`, { name: app });
    dir = join(root, `push-app-${run}`);
    createAppRepository(dir);
    const push = await pushToRelease(platform, {
      dir,
      appPath: `${TENANT}/${NAMESPACE}/${app}`,
      version: 1,
      warm: false,
      timeoutMs: STEP_TIMEOUT_MS,
      verbose,
    });
    cold.push(push);
    say(`  cold push ${run + 1}/${options.cold}: ${push.seconds.toFixed(2)} s (builder pid ${builder.pid})`);
  }
  // The last cold app, on the builder that built it: its node_modules and npm caches are filled.
  for (let run = 0; run < options.warm; run++) {
    commitSourceChange(dir, `warm ${run}`);
    const push = await pushToRelease(platform, {
      dir,
      appPath: `${TENANT}/${NAMESPACE}/${app}`,
      version: run + 2,
      warm: true,
      timeoutMs: STEP_TIMEOUT_MS,
      verbose,
    });
    warm.push(push);
    say(`  warm push ${run + 1}/${options.warm}: ${push.seconds.toFixed(2)} s`);
  }
  await builder.remove();
  return { cold, warm };
}

function table(result) {
  const { buildPhase: phase, pushToRelease: push } = result;
  const cells = (s) => [s.median, s.min, s.max].map((value) => value.toFixed(2));
  const verdict = (s, goal) => [`< ${goal} s`, s.median < goal ? 'MET' : 'MISSED', ''];
  const rows = [
    ['seconds', `cold (n=${options.cold})`, '', '', `warm (n=${options.warm})`, '', ''],
    ['', 'median', 'min', 'max', 'median', 'min', 'max'],
    ['build phase, in-process', ...cells(phase.cold), ...cells(phase.warm)],
    ['push to release', ...cells(push.cold), ...cells(push.warm)],
    [
      'goal (push to release, median)',
      ...verdict(push.cold, GOALS.coldSeconds),
      ...verdict(push.warm, GOALS.warmSeconds),
    ],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column ? cell.padStart(widths[column]) : cell.padEnd(widths[0])))
      .join('  ')
      .trimEnd(),
  );
}

async function main() {
  const began = performance.now();
  process.once('SIGINT', () => stopEarly('SIGINT', 130));
  process.once('SIGTERM', () => stopEarly('SIGTERM', 143));
  const busyBefore = await machineBusyPercent();

  say(`build phase, in-process: ${options.cold} cold builds (fresh app and caches), ${options.warm} warm`);
  const phaseRoot = join(root, 'build-phase');
  mkdirSync(phaseRoot);
  const phase = await measureBuildPhase({
    root: phaseRoot,
    cold: options.cold,
    warm: options.warm,
    sandbox: sandbox.sandbox,
    timeoutMs: STEP_TIMEOUT_MS,
    verbose,
  });
  rmSync(phaseRoot, { recursive: true, force: true });

  say(`push to release: ${options.cold} cold pushes (fresh app, fresh builder caches), ${options.warm} warm`);
  const pushes = await measurePushes();
  const cleaned = await cleanup();

  const pushCold = stats(pushes.cold.map((push) => push.seconds));
  const pushWarm = stats(pushes.warm.map((push) => push.seconds));
  const result = {
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    machineBusyPercentBefore: busyBefore,
    app: 'Node.js, one dependency (ms 2.1.3) with package-lock.json',
    sandbox: `${sandbox.sandbox} (${sandbox.reason})`,
    runs: { cold: options.cold, warm: options.warm },
    buildPhase: {
      cold: stats(phase.cold),
      warm: stats(phase.warm),
      imageSizeBytes: Math.max(...phase.imageSizeBytes),
    },
    pushToRelease: {
      cold: pushCold,
      warm: pushWarm,
      imageSizeBytes: Math.max(...[...pushes.cold, ...pushes.warm].map((push) => push.imageSizeBytes)),
      phasesMedianMs: { cold: medianPhases(pushes.cold), warm: medianPhases(pushes.warm) },
    },
    goals: {
      ...GOALS,
      coldMet: pushCold.median < GOALS.coldSeconds,
      warmMet: pushWarm.median < GOALS.warmSeconds,
    },
    cleanup: cleaned,
    totalSeconds: +((performance.now() - began) / 1000).toFixed(1),
  };

  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel}); app: ${result.app}`);
  say(`CPU busy in the second before the run: ${busyBefore}% (anything but a few percent skews the figures)`);
  say(`build steps sandbox: ${result.sandbox}, in-process and in the builder (--sandbox to choose)`);
  say('cold: npm fetches ms from the registry over the network; push: from starting git push to its exit');
  say();
  for (const line of table(result)) say(line);
  say();
  const { cold, warm } = result.pushToRelease.phasesMedianMs;
  const width = Math.max(...Object.values(PHASES).map((text) => text.length));
  say(`where a push's time goes, median ms`.padEnd(width + 4) + '   cold   warm');
  for (const [name, text] of Object.entries(PHASES)) {
    say(`  ${text.padEnd(width + 2)} ${String(cold[name]).padStart(6)} ${String(warm[name]).padStart(6)}`);
  }
  say();
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  say(
    `image (compressed layers): ${kib(result.pushToRelease.imageSizeBytes)} pushed, ${kib(result.buildPhase.imageSizeBytes)} in-process`,
  );
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${result.totalSeconds} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

// Not unref'd: it also keeps the bench alive, and so cleaning up, should it wait on nothing.
const deadline = setTimeout(
  () => stopEarly(`deadline of ${options.deadline} s passed`, 1),
  options.deadline * 1000,
);

main()
  .catch((error) => {
    if (stopping) return; // what failed was cut short on purpose
    process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
    for (const service of platform.services)
      process.stderr.write(`--- end of the ${service.name} log ---\n${service.tail()}\n`);
    process.exitCode = 1;
  })
  .then(cleanup)
  .then((report) => {
    clearTimeout(deadline);
    const failed = Object.entries(report).filter(([, result]) => String(result).startsWith('FAILED'));
    for (const [step, result] of failed) process.stderr.write(`cleanup: ${step} ${result}\n`);
    if (failed.length) process.exitCode = 1;
  });
