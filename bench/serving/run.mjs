// Push-to-serving: from starting `git push` of a small Node.js app until the router answers with
// the new version, cold (first deploy, empty build caches) and warm (a source change rolled onto
// the running app), on a whole platform of real processes. See bench/README.md ("serving/").
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_COMPILED, exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, stats } from '../lib/measure.mjs';
import { DATABASE_SERVER_URL, REDIS_URL } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';
import { commitVersion, createApp } from './app.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOAL_WARM_SECONDS = 5;
const TENANT = 'bench';
const NAMESPACE = 'default';
/** A deploy that has not served by then has failed. */
const DEPLOY_TIMEOUT_MS = 120_000;

const options = parseOptions(
  { json: false, cold: 3, warm: 5, runtime: 'process', sandbox: 'auto', deadline: 600 },
  {
    usage:
      'usage: node bench/serving/run.mjs [--json] [--cold=N] [--warm=N] [--runtime=process|oci] ' +
      '[--sandbox=auto|runc|none] [--deadline=SECONDS]',
    choices: { runtime: ['process', 'oci'], sandbox: ['auto', 'runc', 'none'] },
  },
);
exitUnlessBuilt(ROOT, PLATFORM_COMPILED);
// Loaded once the compiled code is known to be there.
const { chooseSandbox } = await import('../build/build-phase.mjs');
const { makeRunDir, runCleanup } = await import('../build/platform.mjs');
const { ServingPlatform } = await import('./cluster.mjs');
const { EndpointWatch, PHASES, deployAndServe } = await import('./deploy.mjs');
const { containerSupport } = createRequire(import.meta.url)('@nimbus/sandbox');

// With --json, stdout carries only the JSON document.
const verbose = Boolean(process.env.BENCH_VERBOSE);
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const { root, giveUp } = makeRunDir('serving');
const sandbox = await chooseSandbox(options.sandbox).catch((error) => giveUp(error.message));
if (options.runtime === 'oci') {
  const support = await containerSupport();
  if (!support.available) giveUp(`--runtime=oci, but runc cannot run here: ${support.reason}`);
}
const platform = new ServingPlatform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId,
  serverUrl: DATABASE_SERVER_URL,
  redisUrl: REDIS_URL,
});
const watch = new EndpointWatch(REDIS_URL, platform.redisPrefix);
const cleanup = runCleanup(platform, root, () => watch.close());

/** Median of each named figure over the runs (figures a run lacks are left out). */
function medians(runs, pick) {
  const names = Object.keys(pick(runs[0]));
  return Object.fromEntries(
    names.map((name) => {
      const values = runs.map((run) => pick(run)[name]).filter((value) => value !== null);
      return [name, values.length ? Math.round(stats(values).median) : null];
    }),
  );
}

const appPath = (app) => `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps/${app}`;

/** Until `version` is the app's only instance, ready, and the one before has exited. */
async function settle(appId, version) {
  await platform.until(`v${version} to run alone`, async () => {
    const { rows } = await platform.query(
      `SELECT count(*) FILTER (WHERE "releaseVersion" = $2 AND ready AND "desiredState" = 'running')::int AS current,
              count(*) FILTER (WHERE "releaseVersion" <> $2
                AND phase IN ('pending', 'starting', 'running', 'crashloop'))::int AS others
         FROM "Instance" WHERE "appId" = $1 AND kind = 'service'`,
      [appId, version],
    );
    return rows[0].current === 1 && rows[0].others === 0;
  });
}

/** An earlier cold app scaled to zero, its instance gone: the next runs on a quiet node. */
async function retire(app, appId) {
  await platform.api('PATCH', `${appPath(app)}/formation`, { updates: [{ type: 'web', replicas: 0 }] });
  await platform.until(`${app} to stop`, async () => {
    const { rows } = await platform.query(
      `SELECT count(*)::int AS n FROM "Instance"
        WHERE "appId" = $1 AND phase IN ('pending', 'starting', 'running', 'crashloop')`,
      [appId],
    );
    return rows[0].n === 0;
  });
}

async function deploy(kind, run, total, app, appId, dir, version) {
  const result = await deployAndServe(platform, watch, {
    dir,
    tenant: TENANT,
    namespace: NAMESPACE,
    app,
    appId,
    version,
    timeoutMs: DEPLOY_TIMEOUT_MS,
  });
  if (verbose)
    for (const { ms, text } of result.lines)
      process.stderr.write(`  ${String(ms).padStart(6)} ms  ${text}\n`);
  if (result.restored !== (kind === 'warm'))
    throw new Error(`a ${kind} deploy ${result.restored ? 'restored' : 'installed'} its dependencies`);
  await settle(appId, version);
  say(
    `  ${kind} ${run}/${total}: ${result.seconds.toFixed(2)} s ` +
      `(push ${result.pushSeconds.toFixed(2)} s + serving ${result.servingSeconds.toFixed(2)} s)`,
  );
  return result;
}

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
  say(
    `platform up in ${((Date.now() - began) / 1000).toFixed(1)} s (router on 127.0.0.1:${platform.routerPort})`,
  );

  const cold = [];
  const warm = [];
  let builder;
  let previous;
  let app;
  let appId;
  let dir;
  for (let run = 1; run <= options.cold; run++) {
    if (previous) await retire(previous.app, previous.appId);
    await builder?.remove();
    builder = await platform.startBuilder(`builder-${run}`);
    app = `cold-${run}`;
    await platform.api('POST', `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps`, {
      name: app,
      runtime: options.runtime,
    });
    ({ id: appId } = (await platform.query(`SELECT id FROM "App" WHERE name = $1`, [app])).rows[0]);
    dir = join(root, app);
    createApp(dir, app, 'v1');
    cold.push(await deploy('cold', run, options.cold, app, appId, dir, 1));
    previous = { app, appId };
  }
  // The last cold app, running v1, on the builder that built it: its dependency cache is filled.
  for (let run = 1; run <= options.warm; run++) {
    const version = run + 1;
    commitVersion(dir, app, `v${version}`);
    warm.push(await deploy('warm', run, options.warm, app, appId, dir, version));
  }
  await builder.remove();
  return { cold, warm };
}

function summary(runs) {
  const failed = {};
  for (const run of runs)
    for (const [label, count] of Object.entries(run.answers))
      if (label.startsWith('HTTP')) failed[label] = (failed[label] ?? 0) + count;
  return {
    total: stats(runs.map((run) => run.seconds)),
    push: stats(runs.map((run) => run.pushSeconds)),
    serving: stats(runs.map((run) => run.servingSeconds)),
    phasesMedianMs: medians(runs, (run) => run.phasesMs),
    sinceStartMedianMs: medians(runs, (run) => run.sinceStartMs),
    failedAnswers: failed,
  };
}

function table(result) {
  const { cold, warm } = result;
  const cells = (s) => [s.median, s.min, s.max].map((value) => value.toFixed(2));
  const rows = [
    ['seconds', `cold (n=${options.cold})`, '', '', `warm (n=${options.warm})`, '', ''],
    ['', 'median', 'min', 'max', 'median', 'min', 'max'],
    ['push to serving', ...cells(cold.total), ...cells(warm.total)],
    ['  push (until git push exits)', ...cells(cold.push), ...cells(warm.push)],
    ['  serving (exit → new version)', ...cells(cold.serving), ...cells(warm.serving)],
    [
      'goal (warm push to serving, median)',
      '',
      '',
      '',
      `< ${GOAL_WARM_SECONDS} s`,
      result.goal.warmMet ? 'MET' : 'MISSED',
      '',
    ],
  ];
  return formatTable(rows);
}

const MARKS = {
  released: 'release cut',
  launching: '"Launching" reaches git',
  placed: 'new instance placed on the node',
  runningRecorded: 'it is recorded running (started, status reported)',
  appProcessStarted: 'its node process starts (npm start runs it)',
  appListening: 'it listens on $PORT',
  readyRecorded: 'it is recorded ready (probe passed, status reported)',
  oldDraining: 'old instance marked draining',
  endpointsListedNew: 'endpoint table lists the new one (routers told)',
  routerLastOld: 'router last answers the old version',
  routerFirstNew: 'router first answers the new version',
  readyLine: '"done: … ready" reaches git',
  pushExit: 'git push exits',
  served: 'first answer of the new version after the exit',
};

async function main() {
  const began = Date.now();
  const busyBefore = await machineBusyPercent();
  say(
    `push to serving: ${options.cold} cold deploys (new app, new builder), ${options.warm} warm (source change)`,
  );
  const runs = await measure();
  const cleaned = await cleanup();
  const cold = summary(runs.cold);
  const warm = summary(runs.warm);
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    app: 'Node.js, one dependency (ms 2.1.3) with package-lock.json, `npm start`',
    runtime: options.runtime,
    buildSandbox: `${sandbox.sandbox} (${sandbox.reason})`,
    runs: { cold: options.cold, warm: options.warm },
    cold,
    warm,
    goal: { warmSeconds: GOAL_WARM_SECONDS, warmMet: warm.total.median < GOAL_WARM_SECONDS },
    cleanup: cleaned,
    totalSeconds: +((Date.now() - began) / 1000).toFixed(1),
  };

  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel}); app: ${result.app}`);
  say(busyLine(busyBefore));
  say(
    `instance runtime: ${result.runtime} (--runtime to choose); build steps sandbox: ${result.buildSandbox}`,
  );
  say();
  for (const line of table(result)) say(line);
  say();
  const width = Math.max(
    ...Object.values(PHASES).map((text) => text.length),
    ...Object.values(MARKS).map((t) => t.length),
  );
  const row = (text, a, b) =>
    `  ${text.padEnd(width + 2)} ${String(a ?? '-').padStart(6)} ${String(b ?? '-').padStart(6)}`;
  say(`where the time goes, median ms`.padEnd(width + 4) + '   cold   warm');
  for (const [name, text] of Object.entries(PHASES))
    say(row(text, cold.phasesMedianMs[name], warm.phasesMedianMs[name]));
  say();
  say(`when, ms after git push started (median)`.padEnd(width + 4) + '   cold   warm');
  for (const [name, text] of Object.entries(MARKS))
    say(row(text, cold.sinceStartMedianMs[name], warm.sinceStartMedianMs[name]));
  say();
  const failed = (answers) => describe(answers) || 'none';
  say(`router answers other than 200 while probing: cold ${failed(cold.failedAnswers)} (before the first`);
  say(
    `  release has a route: expected); warm ${failed(warm.failedAnswers)} (during rolling updates: should be none)`,
  );
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${result.totalSeconds} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runBench(main, { cleanup, deadlineSeconds: options.deadline, onFailure: () => platform.writeLogTails() });
