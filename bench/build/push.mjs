// One `git push` timed from the start of the client to its exit, checked to have released, and
// split into where its time went.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { gitEnv } from './bench-app.mjs';

/** The parts of a push-to-release, in order; they add up to the whole. */
export const PHASES = {
  client: 'git client: ref discovery (2 requests: the first is refused for credentials), pack',
  hook: 'receive-pack takes the pack; pre-receive hook starts (node), git archive',
  upload: 'source tar uploaded, build recorded, builder woken',
  queue: 'until a builder has claimed the build',
  prepare: 'builder reads the app and its config snapshot, first output line',
  checkout: 'checkout (untar) and stack detection',
  install: 'npm ci and saving the cache (cold) or restoring node_modules (warm)',
  image: 'writing the image (layer tar + gzip, OCI layout)',
  release: 'cutting the release and recording the build',
  report: 'the end reaches the hook, the branch moves, git push exits',
};

/**
 * `git push REMOTE main` from `dir`; its whole process group is killed after `timeoutMs`. Its
 * output comes as lines (spacing at the end dropped), each with when it arrived: `at` by the wall
 * clock (epoch ms, as the platform records times) and `ms` since the push started (monotonic,
 * sub-ms). Likewise its end: `endedAt` and `ms`. bench/serving times its deploys with it too.
 */
export function timedGitPush(dir, remote, timeoutMs) {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const started = performance.now();
    const child = spawn('git', ['push', remote, 'main'], {
      cwd: dir,
      env: gitEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = [];
    let output = '';
    const collect = (chunk) => {
      const at = Date.now();
      const ms = performance.now() - started;
      output += chunk;
      // git pads each `remote:` line with spaces when its stderr is not a terminal.
      for (const text of chunk.toString().split(/\r?\n|\r/))
        if (text.trim()) lines.push({ at, ms, text: text.trimEnd() });
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        timedOut,
        startedAt,
        endedAt: Date.now(),
        ms: performance.now() - started,
        lines,
        output,
      });
    });
  });
}

/**
 * Pushes `dir`'s main to `appPath` (TENANT/NAMESPACE/APP) and checks that release `version`
 * exists and is current, built from this push, with the dependencies installed (`warm` false)
 * or restored (`warm` true) as intended: a figure for the wrong kind of build is worse than none.
 */
export async function pushToRelease(platform, { dir, appPath, version, warm, timeoutMs, verbose }) {
  const push = await timedGitPush(dir, platform.gitRemote(appPath), timeoutMs);
  if (verbose)
    for (const { ms, text } of push.lines)
      process.stderr.write(`  ${ms.toFixed(0).padStart(6)} ms  ${text}\n`);
  const fail = (why) => new Error(`push ${appPath} v${version}: ${why}\n${push.output.slice(-3000)}`);
  if (push.timedOut) throw fail(`no exit after ${timeoutMs / 1000} s`);
  if (push.code !== 0) throw fail(`git push exited ${push.code}`);
  if (!push.output.includes(`-----> Released v${version}`)) throw fail('no release announced');
  const restored = push.output.includes('Restoring cached dependencies');
  if (restored !== warm)
    throw fail(`a ${warm ? 'warm' : 'cold'} push ${restored ? 'restored' : 'installed'}`);

  const [tenant, namespace, app] = appPath.split('/');
  const base = `/v1/tenants/${tenant}/namespaces/${namespace}/apps/${app}`;
  const [build] = await platform.api('GET', `${base}/builds?limit=1`);
  const [release] = await platform.api('GET', `${base}/releases`);
  if (build?.status !== 'succeeded' || build.releaseVersion !== version)
    throw fail(`the latest build is ${JSON.stringify(build)}`);
  if (release?.version !== version || !release.current || release.imageDigest !== build.imageDigest)
    throw fail(`the current release is ${JSON.stringify(release)}`);
  return {
    seconds: push.ms / 1000,
    imageSizeBytes: build.imageSizeBytes,
    phasesMs: phasesOf(push, build, platform.gatewayRequestsSince(push.startedAt)),
  };
}

/**
 * Splits the push at the gateway's access-log times of its requests, the build's recorded times
 * and the arrival of its output lines (relayed live through Redis and git's side band, so a
 * line arrives a few ms after it was written). Times are ms on the one machine's clock.
 */
function phasesOf(push, build, requests) {
  const lineAt = (pattern) => {
    const line = push.lines.find(({ text }) => pattern.test(text));
    return line ? push.startedAt + line.ms : NaN;
  };
  const requestStart = (method, suffix) =>
    requests.find((request) => request.method === method && request.path.endsWith(suffix))?.start ?? NaN;
  const marks = [
    push.startedAt,
    requestStart('POST', '/git-receive-pack'),
    requestStart('POST', '/internal/git/builds'),
    Date.parse(build.createdAt),
    Date.parse(build.startedAt),
    lineAt(/^remote: -----> Building /),
    lineAt(/^remote: -----> .* detected$/),
    lineAt(/^remote: -----> Writing image$/),
    lineAt(/^remote: -----> Image sha256:/),
    Date.parse(build.finishedAt),
    push.startedAt + push.ms,
  ];
  return Object.fromEntries(
    Object.keys(PHASES).map((name, i) => [name, Math.round(marks[i + 1] - marks[i])]),
  );
}
