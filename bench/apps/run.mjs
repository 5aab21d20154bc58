// Kinds of app, pushed cold and warm: each kind of app of issue #8 (Node.js with and without a
// lockfile, a static site, a Procfile app, a web + worker app with app.json, Python
// requirements.txt and pyproject.toml, a git submodule, and Go and Dockerfile apps that must be
// refused) deployed with `git push` on a whole platform of real processes, under each runtime,
// with how long the pushes took and whether the router served them. See bench/README.md ("apps/").
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PLATFORM_COMPILED, exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent } from '../lib/measure.mjs';
import { DATABASE_SERVER_URL, REDIS_URL } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TENANT = 'bench';
const NAMESPACE = 'default';
/** A push still running then is killed and counted as not served. */
const PUSH_TIMEOUT_MS = 180_000;
/** After git push exits 0, how long the router has to answer the new version. */
const SERVE_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

const options = parseOptions(
  { json: false, runtime: 'both', sandbox: 'auto', deadline: 2400, only: null },
  {
    usage:
      'usage: node bench/apps/run.mjs [--json] [--runtime=both|process|oci] [--sandbox=auto|runc|none] ' +
      '[--deadline=SECONDS] [--only=ID,ID…]',
    choices: { runtime: ['both', 'process', 'oci'], sandbox: ['auto', 'runc', 'none'] },
    lists: ['only'],
  },
);
exitUnlessBuilt(ROOT, PLATFORM_COMPILED);
// Loaded once the compiled code is known to be there.
const { chooseSandbox } = await import('../build/build-phase.mjs');
const { makeRunDir, runCleanup } = await import('../build/platform.mjs');
const { timedGitPush } = await import('../build/push.mjs');
const { ServingPlatform } = await import('../serving/cluster.mjs');
const { KINDS, addSubmodule, commitFiles, createSubmoduleLibrary } = await import('./kinds.mjs');
const unknownKinds = (options.only ?? []).filter((id) => !KINDS.some((kind) => kind.id === id));
if (unknownKinds.length) {
  process.stderr.write(
    `--only: no kind ${unknownKinds.join(', ')} (kinds: ${KINDS.map((k) => k.id).join(', ')})\n`,
  );
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { containerSupport } = require('@nimbus/sandbox');
const { DEBIAN_SETUPTOOLS_ENV, debianWheels, startPackageIndex, tinyserveWheel } = require('@nimbus/testing');

// With --json, stdout carries only the JSON document.
const verbose = Boolean(process.env.BENCH_VERBOSE);
const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const runId = randomBytes(6).toString('hex');
const { root, giveUp } = makeRunDir('apps');
const sandbox = await chooseSandbox(options.sandbox).catch((error) => giveUp(error.message));
const oci = await containerSupport();
let runtimes = options.runtime === 'both' ? ['process', 'oci'] : [options.runtime];
let runtimeNote = options.runtime === 'both' ? 'both, process then oci' : options.runtime;
if (!oci.available) {
  if (options.runtime === 'oci') giveUp(`--runtime=oci, but runc cannot run here: ${oci.reason}`);
  runtimes = ['process'];
  runtimeNote = `process only (runc cannot run here: ${oci.reason})`;
}
const platform = new ServingPlatform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId,
  serverUrl: DATABASE_SERVER_URL,
  redisUrl: REDIS_URL,
});
// Local submodules only from under this directory, as an operator would allow a mirror.
const mirror = join(root, 'mirror');
platform.shared.NIMBUS_GIT_SUBMODULE_FILE_ROOT = mirror;
let index = null;
const cleanup = runCleanup(platform, root, () => void index?.close().catch(() => undefined));

const appPath = (app) => `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps/${app}`;

/** GET `path` through the router with the app's Host header: status and body (status 0: no answer). */
function ask(host, path) {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port: platform.routerPort, path, headers: { host }, timeout: 2000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}

/** Asks every POLL_MS until a 200 whose body carries `version`: when, and the last answer otherwise. */
async function untilServed(host, path, version) {
  const deadline = Date.now() + SERVE_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    last = await ask(host, path);
    if (last.status === 200 && last.body.includes(version)) return { at: Date.now(), answer: last.body };
    await sleep(POLL_MS);
  }
  return { at: null, answer: last ? `HTTP ${last.status || 'error'}: ${last.body}` : 'no answer' };
}

const oneLine = (text, max = 70) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** What the push said was wrong: its ` !` lines, else its last line. */
function whyFailed(lines) {
  const marked = lines
    .map((line) => line.text.replace(/^remote:\s*/, ''))
    // git's own `! [remote rejected] main -> main (pre-receive hook declined)` says nothing more.
    .filter((text) => /^!/.test(text.trim()) && !text.includes('[remote rejected]'))
    .map((text) => text.replace(/^\s*!\s*/, ''));
  return (marked.length ? marked : [lines.at(-1)?.text ?? 'no output']).join(' ');
}

/**
 * One push of the commit at `dir`, timed from starting git to its exit, then to the router's
 * first answer carrying `version` (asked only after git exited).
 */
async function push(app, dir, version, path) {
  const pushed = await timedGitPush(
    dir,
    platform.gitRemote(`${TENANT}/${NAMESPACE}/${app}`),
    PUSH_TIMEOUT_MS,
  );
  const lines = pushed.lines.map(({ at, text }) => ({ at, text: text.replace(/\s+/g, ' ').trim() }));
  if (verbose)
    for (const { at, text } of lines)
      process.stderr.write(`  ${String(at - pushed.startedAt).padStart(6)} ms  ${text}\n`);
  const detected = lines.map((line) => /-----> (.+) detected \((.+)\)/.exec(line.text)).find(Boolean);
  const result = {
    version,
    pushSeconds: (pushed.endedAt - pushed.startedAt) / 1000,
    gitExit: pushed.timedOut ? 'timed out' : pushed.code,
    stack: detected ? `${detected[1].replace(/ (app|site)$/, '')} (${detected[2]})` : null,
    output: lines.map((line) => line.text),
    servedSeconds: null,
    answer: null,
    failure: null,
  };
  if (pushed.timedOut) result.failure = `git push did not exit in ${PUSH_TIMEOUT_MS / 1000} s`;
  else if (pushed.code !== 0) result.failure = whyFailed(lines);
  else {
    const served = await untilServed(`${app}.${NAMESPACE}.${TENANT}.localhost`, path, version);
    result.answer = served.answer;
    if (served.at === null) result.failure = `router never answered ${version}: ${oneLine(served.answer)}`;
    else result.servedSeconds = (served.at - pushed.startedAt) / 1000;
  }
  return result;
}

/** What else the kind promises, checked after its cold push: release phase, formation, postdeploy. */
async function checks(spec, app, appId, cold) {
  const found = [];
  if (spec.expectRelease)
    found.push(
      cold.output.some((text) => text.includes('Running release command')) ? 'release ran' : 'NO release',
    );
  if (spec.processTypes?.includes('worker')) {
    await platform
      .until(
        '2 web and 1 worker up',
        async () => {
          const { rows } = await platform.query(
            `SELECT "processType" AS type, count(*)::int AS n FROM "Instance"
              WHERE "appId" = $1 AND phase = 'running' AND "desiredState" = 'running' GROUP BY 1`,
            [appId],
          );
          const n = Object.fromEntries(rows.map((row) => [row.type, row.n]));
          return n.web === 2 && n.worker === 1;
        },
        30_000,
      )
      .then(
        () => found.push('web=2 worker=1 running'),
        () => found.push('NOT web=2 worker=1'),
      );
    const seeded = await platform
      .until(
        'the postdeploy',
        async () => {
          const events = await platform.api('GET', `${appPath(app)}/events?limit=100`);
          return events.some((event) => event.reason === 'PostdeploySucceeded');
        },
        30_000,
      )
      .then(
        () => true,
        () => false,
      );
    found.push(seeded ? 'postdeploy ok' : 'NO postdeploy');
  }
  return found;
}

/** Scales the app's process types to zero and waits (up to 30 s) for its instances to stop. */
async function retire(spec, app, appId) {
  const types = spec.processTypes ?? ['web'];
  await platform.api('PATCH', `${appPath(app)}/formation`, {
    updates: types.map((type) => ({ type, replicas: 0 })),
  });
  await platform
    .until(`${app} to stop`, async () => {
      const { rows } = await platform.query(
        `SELECT count(*)::int AS n FROM "Instance"
          WHERE "appId" = $1 AND phase IN ('pending', 'starting', 'running', 'crashloop')`,
        [appId],
      );
      return rows[0].n === 0;
    })
    .catch(() => undefined); // the next app runs beside it: slower, not wrong
}

/** The kind deployed under `runtime`: a new app on a new builder, pushed cold then warm. */
async function deployKind(spec, runtime, library) {
  const app = `${spec.id}-${runtime === 'process' ? 'proc' : 'oci'}`;
  const row = { kind: spec.kind, id: spec.id, runtime, app, procfile: spec.procfile, appJson: spec.appJson };
  if (spec.python && !index) return { ...row, skipped: `no package index: ${indexProblem}` };
  const builder = await platform.startBuilder(`builder-${app}`);
  try {
    await platform.api('POST', `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps`, { name: app, runtime });
    const { id: appId } = (await platform.query(`SELECT id FROM "App" WHERE name = $1`, [app])).rows[0];
    if (spec.python)
      // Build steps see the app's config: this is how pip finds the bench's index.
      await platform.api('PATCH', `${appPath(app)}/config`, {
        set: { PIP_INDEX_URL: index.url, PIP_DISABLE_PIP_VERSION_CHECK: '1', ...DEBIAN_SETUPTOOLS_ENV },
      });
    const dir = join(root, 'apps', app);
    const path = spec.path ?? '/';
    const tag = randomBytes(3).toString('hex');
    const [coldVersion, warmVersion] = [`cold-${tag}`, `warm-${tag}`];

    if (spec.create) spec.create(dir, coldVersion, app);
    else commitFiles(dir, spec.files(coldVersion), coldVersion);
    if (spec.submodule) addSubmodule(dir, library);
    const cold = await push(app, dir, coldVersion, path);
    say(`  ${app} cold: ${describePush(cold)}`);
    row.stack = cold.stack;
    row.cold = cold;
    if (spec.refused || cold.failure) {
      row.served = servedCell(spec, cold, null);
      return row;
    }
    row.checks = await checks(spec, app, appId, cold);

    if (spec.change) spec.change(dir, warmVersion, app);
    else commitFiles(dir, spec.files(warmVersion), warmVersion);
    const warm = await push(app, dir, warmVersion, path);
    say(`  ${app} warm: ${describePush(warm)}`);
    row.warm = warm;
    row.served = servedCell(spec, cold, warm);
    await retire(spec, app, appId);
    return row;
  } finally {
    await builder.remove();
  }
}

const describePush = (result) =>
  `git exit ${result.gitExit} after ${result.pushSeconds.toFixed(2)} s` +
  (result.servedSeconds !== null
    ? `, served at ${result.servedSeconds.toFixed(2)} s`
    : `: ${result.failure}`);

/** The table's last column: whether both pushes served (and what), or why not. */
function servedCell(spec, cold, warm) {
  if (spec.refused)
    return cold.gitExit === 0
      ? `NOT refused: git exit 0${cold.servedSeconds !== null ? ', and it served' : ''}`
      : // What Nimbus does build, which every refusal goes on to list, is left to the JSON.
        `refused: ${cold.failure.replace(/^Push rejected: /, '').replace(/ Nimbus builds .*$/, '')}`;
  if (cold.failure) return `no (cold): ${cold.failure}`;
  if (warm.failure) return `no (warm): ${warm.failure}`;
  return `yes: ${oneLine(warm.answer, 60)}`;
}

const seconds = (result) =>
  !result
    ? '-'
    : result.servedSeconds !== null
      ? `${result.pushSeconds.toFixed(1)} / ${result.servedSeconds.toFixed(1)}`
      : `${result.pushSeconds.toFixed(1)} / -`;

function table(rows) {
  const header = [
    'kind',
    'stack detected',
    'Procfile',
    'app.json',
    'runtime',
    'cold push s',
    'warm push s',
    'served',
  ];
  return formatTable(
    [
      header,
      ...rows.map((row) => [
        row.kind,
        row.stack ?? '-',
        row.procfile,
        row.appJson,
        row.runtime,
        row.skipped ? '-' : seconds(row.cold),
        row.skipped ? '-' : seconds(row.warm),
        row.skipped
          ? `not run: ${row.skipped}`
          : row.served + (row.checks?.length ? ` [${row.checks.join(', ')}]` : ''),
      ]),
    ],
    { align: 'lllllrrl' },
  );
}

let indexProblem = null;

async function main() {
  const began = Date.now();
  const busyBefore = await machineBusyPercent();
  say(`kinds of app, pushed cold (new app, new builder with empty caches) then warm (a source change)`);
  say(`platform: database ${platform.dbName}, Redis prefix ${platform.redisPrefix}`);
  try {
    index = await startPackageIndex([tinyserveWheel(), ...(await debianWheels(['setuptools', 'wheel']))]);
  } catch (error) {
    indexProblem = error.message;
  }
  mkdirSync(mirror, { recursive: true });
  const library = createSubmoduleLibrary(mirror);
  await platform.createDatabase();
  await platform.startRouter();
  await platform.startGateway();
  await platform.seed(TENANT, NAMESPACE);
  await platform.startOrchestrator();
  await platform.startAgent();
  say(
    `platform up in ${((Date.now() - began) / 1000).toFixed(1)} s (router on 127.0.0.1:${platform.routerPort})`,
  );

  const rows = [];
  for (const runtime of runtimes)
    for (const spec of KINDS.filter((kind) => !options.only || options.only.includes(kind.id)))
      // One kind going wrong in the bench itself is its row's result; the others still run.
      rows.push(
        await deployKind(spec, runtime, library).catch((error) => ({
          kind: spec.kind,
          id: spec.id,
          runtime,
          procfile: spec.procfile,
          appJson: spec.appJson,
          served: `bench error: ${oneLine(error.message, 120)}`,
        })),
      );
  const cleaned = await cleanup();
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    runtimes: runtimeNote,
    buildSandbox: `${sandbox.sandbox} (${sandbox.reason})`,
    rows,
    cleanup: cleaned,
    totalSeconds: +((Date.now() - began) / 1000).toFixed(1),
  };

  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel})`);
  say(busyLine(busyBefore));
  say(`instance runtime: ${runtimeNote} (--runtime to choose); build steps sandbox: ${result.buildSandbox}`);
  say(
    'push s: git push start → its exit / → the router first answers the new version (asked after the exit)',
  );
  say();
  for (const line of table(rows)) say(line);
  say();
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${result.totalSeconds} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runBench(main, { cleanup, deadlineSeconds: options.deadline, onFailure: () => platform.writeLogTails() });
