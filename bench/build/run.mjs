// Deploy timings for a small Node.js app with one npm dependency: push-to-release through a real
// gateway and builder, cold (fresh app, empty caches) and warm (lockfile unchanged), the build
// phase alone in-process, and the image size. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, stats } from '../lib/measure.mjs';
import { DATABASE_SERVER_URL, REDIS_URL } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';
import { commitSourceChange, createAppRepository } from './bench-app.mjs';
import { PHASES, pushToRelease } from './push.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPILED = ['apps/gateway/dist/main.js', 'apps/builder/dist/main.js', 'libs/testing/dist/index.js'];
const GOALS = { coldSeconds: 15, warmSeconds: 3 };
const TENANT = 'bench';
const NAMESPACE = 'default';
/** A push, or one step of an in-process build, that takes longer has failed. */
const STEP_TIMEOUT_MS = 120_000;

const options = parseOptions(
  { json: false, cold: 3, warm: 5, sandbox: 'auto', deadline: 900 },
  {
    usage:
      'usage: node bench/build/run.mjs [--json] [--cold=N] [--warm=N] [--sandbox=auto|runc|none] [--deadline=SECONDS]',
    choices: { sandbox: ['auto', 'runc', 'none'] },
  },
);
exitUnlessBuilt(ROOT, COMPILED);
// Loaded once the compiled code is known to be there.
const { chooseSandbox, measureBuildPhase } = await import('./build-phase.mjs');
const { Platform, makeRunDir, runCleanup } = await import('./platform.mjs');

// With --json, stdout carries only the JSON document.
const verbose = Boolean(process.env.BENCH_VERBOSE);
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const { root, giveUp } = makeRunDir('build');
const sandbox = await chooseSandbox(options.sandbox).catch((error) => giveUp(error.message));
const platform = new Platform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId,
  serverUrl: DATABASE_SERVER_URL,
  redisUrl: REDIS_URL,
});
const cleanup = runCleanup(platform, root);

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
  return formatTable(rows);
}

async function main() {
  const began = performance.now();
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
    ...machine(),
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
  say(busyLine(busyBefore));
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

runBench(main, { cleanup, deadlineSeconds: options.deadline, onFailure: () => platform.writeLogTails() });
