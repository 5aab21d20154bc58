// One deploy timed from starting `git push` until the router answers with the new version, and
// split into where its time went: the push's own output, the platform's records (build,
// release, instance), the endpoint table's changes as the routers hear of them, and a prober
// that asks the router for the app every POLL_MS from the start of the push.
import http from 'node:http';
import { createRequire } from 'node:module';
import { clearTimeout, setTimeout } from 'node:timers';
import { timedGitPush } from '../build/push.mjs';

const require = createRequire(import.meta.url);
const { Redis } = require('ioredis');
const { endpointsKey, readWake, wakeSubscriptions } = require('@nimbus/cluster');

const POLL_MS = 20;
/** After the new version first answers, probing goes on until the old one has been silent this long… */
const SETTLE_MS = 1000;
/** …or this long has passed. */
const OLD_CAP_MS = 10_000;

/** The parts of a deploy, in order; they add up to the whole (push start → new version answered). */
export const PHASES = {
  upload: 'git push until the build is recorded (ref discovery, pack, hook, source upload)',
  build: 'build: queue, checkout, npm ci or restore, image, release cut',
  schedule: 'release cut → new instance placed (orchestrator woken, rollout step, scheduling)',
  start: 'placed → running (agent watch, image pull and unpack, process start, report)',
  ready: 'running → ready (app boot, readiness probe, status report)',
  report: 'ready → git push exits (gateway launch poll, end of hook, ref update)',
  serve: 'push exit → router answers the new version',
};

/** The instances a host's entry (libs/cluster's `AppEndpoints`, as JSON) lists; none when removed. */
function instanceIdsOf(text) {
  return text ? JSON.parse(text).endpoints.map((endpoint) => endpoint.instanceId) : [];
}

/** Each change of the routers' endpoint table, with the moment it was announced. */
export class EndpointWatch {
  changes = [];

  constructor(redisUrl, prefix) {
    this.key = endpointsKey(prefix);
    this.prefix = prefix;
    this.channel = wakeSubscriptions.routers(prefix);
    const options = { lazyConnect: true, maxRetriesPerRequest: 1 };
    this.subscriber = new Redis(redisUrl, options);
    this.commands = new Redis(redisUrl, options);
    for (const client of [this.subscriber, this.commands]) client.on('error', () => undefined);
    this.subscriber.on('message', (channel, message) => {
      const wake = readWake(this.prefix, channel, message);
      if (wake?.to !== 'routers') return;
      const { host } = wake;
      const at = Date.now();
      void this.commands.hget(this.key, host).then(
        (text) => this.changes.push({ at, host, ids: instanceIdsOf(text) }),
        () => undefined,
      );
    });
  }

  async start() {
    await Promise.all([this.subscriber.connect(), this.commands.connect()]);
    await this.subscriber.subscribe(this.channel);
  }

  /** When the table first listed `instanceId` for `host` at or after `since`. */
  listed(host, instanceId, since) {
    return (
      this.changes.find((c) => c.host === host && c.at >= since && c.ids.includes(instanceId))?.at ?? null
    );
  }

  close() {
    this.subscriber.disconnect();
    this.commands.disconnect();
  }
}

/** GET / through the router with the app's Host header: status and the version it answered with. */
function ask(agent, port, host) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent, timeout: 2000 });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        let answer = null;
        try {
          answer = JSON.parse(body);
        } catch {
          // not the app answering (a router error page)
        }
        resolve({ status: response.statusCode, version: answer?.version ?? null, answer });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve({ status: 0, version: null, answer: null }));
  });
}

/**
 * Asks the router every POLL_MS (at once when told the push has exited) from the start of the
 * push: when the new version first answered, first answered after the push exited (the figure),
 * and last heard of the old version.
 */
function startProber({ port, host, expected, previous, deadline }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const state = {
    pushExitedAt: null,
    firstNewAt: null,
    firstNew: null,
    servedAt: null,
    lastOldAt: null,
    answers: {},
  };
  let wake = null;
  const pause = (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => ((wake = null), resolve()), ms);
      wake = () => (clearTimeout(timer), (wake = null), resolve());
    });
  const done = (async () => {
    while (Date.now() < deadline) {
      const start = Date.now();
      const answer = await ask(agent, port, host);
      const end = Date.now();
      const label = answer.status === 200 ? (answer.version ?? 'other') : `HTTP ${answer.status || 'error'}`;
      state.answers[label] = (state.answers[label] ?? 0) + 1;
      if (answer.status === 200 && answer.version === expected) {
        state.firstNewAt ??= end;
        state.firstNew ??= answer.answer;
        if (state.pushExitedAt !== null && start >= state.pushExitedAt) state.servedAt ??= end;
      } else if (answer.status === 200 && previous !== null && answer.version === previous)
        state.lastOldAt = end;
      if (state.servedAt !== null) {
        const oldQuiet = end - (state.lastOldAt ?? 0) >= SETTLE_MS && end - state.servedAt >= SETTLE_MS;
        if (oldQuiet || end - state.servedAt >= OLD_CAP_MS) break;
      }
      await pause(POLL_MS);
    }
    agent.destroy();
    return state;
  })();
  return {
    pushExited(at) {
      state.pushExitedAt = at;
      wake?.();
    },
    done,
  };
}

/** What the platform recorded of this deploy: the build, the release, the new and the old instance. */
async function records(platform, appId, version) {
  const one = async (text, values) => (await platform.query(text, values)).rows[0] ?? null;
  const ms = (date) => (date ? date.getTime() : null);
  const build = await one(
    `SELECT status, "releaseVersion", "createdAt", "startedAt", "finishedAt" FROM "Build"
      WHERE "appId" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
    [appId],
  );
  const release = await one(`SELECT "createdAt" FROM "Release" WHERE "appId" = $1 AND version = $2`, [
    appId,
    version,
  ]);
  const instance = (releaseVersion) =>
    one(
      `SELECT id, "createdAt", "startedAt", "readyAt", "drainingSince", "finishedAt" FROM "Instance"
        WHERE "appId" = $1 AND "releaseVersion" = $2 AND "processType" = 'web' AND kind = 'service'
        ORDER BY "createdAt" LIMIT 1`,
      [appId, releaseVersion],
    );
  const [fresh, old] = [await instance(version), version > 1 ? await instance(version - 1) : null];
  return {
    build: build && { ...build, createdAt: ms(build.createdAt) },
    releasedAt: ms(release?.createdAt),
    instance: fresh && {
      id: fresh.id,
      createdAt: ms(fresh.createdAt),
      startedAt: ms(fresh.startedAt),
      readyAt: ms(fresh.readyAt),
    },
    oldDrainingSince: ms(old?.drainingSince),
  };
}

/**
 * Pushes `dir`'s main to TENANT/NAMESPACE/APP as release `version` and times it until the router
 * answers with `v<version>`. Counts only if git exits 0 after saying the release was launched and
 * ready, and the platform's records are those of this deploy: a wrong figure is worse than none.
 */
export async function deployAndServe(
  platform,
  watch,
  { dir, tenant, namespace, app, appId, version, timeoutMs },
) {
  const host = `${app}.${namespace}.${tenant}.localhost`;
  const expected = `v${version}`;
  const prober = startProber({
    port: platform.routerPort,
    host,
    expected,
    previous: version > 1 ? `v${version - 1}` : null,
    deadline: Date.now() + timeoutMs,
  });
  const push = await timedGitPush(dir, platform.gitRemote(`${tenant}/${namespace}/${app}`), timeoutMs);
  prober.pushExited(push.endedAt);
  const seen = await prober.done;
  // git pads `remote:` lines with spaces when its stderr is not a terminal: spacing is not compared.
  const lines = push.lines.map(({ at, text }) => ({ at, text: text.replace(/\s+/g, ' ').trim() }));

  const fail = (why) => new Error(`deploy ${app} ${expected}: ${why}\n${push.output.slice(-3000)}`);
  if (push.timedOut) throw fail(`git push did not exit in ${timeoutMs / 1000} s`);
  if (push.code !== 0) throw fail(`git push exited ${push.code}`);
  const lineAt = (text) => lines.find((line) => line.text.startsWith(text))?.at ?? null;
  const launchingAt = lineAt(`remote: -----> Launching v${version}...`);
  const readyLineAt = lineAt(`remote: done: 1 web instance(s) of v${version} ready`);
  if (launchingAt === null || readyLineAt === null) throw fail('the push did not report the launch as ready');
  if (seen.servedAt === null)
    throw fail(`the router never answered ${expected} after the push (${JSON.stringify(seen.answers)})`);

  const recorded = await records(platform, appId, version);
  const { build, instance } = recorded;
  if (build?.status !== 'succeeded' || build.releaseVersion !== version)
    throw fail(`the latest build is ${JSON.stringify(build)}`);
  if (!recorded.releasedAt || !instance?.readyAt)
    throw fail(`no ready instance recorded: ${JSON.stringify(recorded)}`);

  const marks = [
    push.startedAt,
    build.createdAt,
    recorded.releasedAt,
    instance.createdAt,
    instance.startedAt,
    instance.readyAt,
    push.endedAt,
    seen.servedAt,
  ];
  const since = (at) => (at === null ? null : at - push.startedAt);
  return {
    seconds: (seen.servedAt - push.startedAt) / 1000,
    pushSeconds: (push.endedAt - push.startedAt) / 1000,
    servingSeconds: (seen.servedAt - push.endedAt) / 1000,
    restored: push.output.includes('Restoring cached dependencies'),
    phasesMs: Object.fromEntries(Object.keys(PHASES).map((name, i) => [name, marks[i + 1] - marks[i]])),
    // Beside the chain, from the start of the push: when each thing happened.
    sinceStartMs: {
      released: since(recorded.releasedAt),
      launching: since(launchingAt),
      placed: since(instance.createdAt),
      runningRecorded: since(instance.startedAt),
      appProcessStarted: since(seen.firstNew?.processStartedAt ?? null),
      appListening: since(seen.firstNew?.listeningAt ?? null),
      readyRecorded: since(instance.readyAt),
      readyLine: since(readyLineAt),
      endpointsListedNew: since(watch.listed(host, instance.id, push.startedAt)),
      routerFirstNew: since(seen.firstNewAt),
      oldDraining: since(recorded.oldDrainingSince),
      routerLastOld: since(seen.lastOldAt),
      pushExit: since(push.endedAt),
      served: since(seen.servedAt),
    },
    answers: seen.answers,
    lines: lines.map(({ at, text }) => ({ ms: at - push.startedAt, text })),
  };
}
