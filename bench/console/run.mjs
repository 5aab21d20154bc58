// The web console in Debian's chromium against a whole platform of real processes: how much
// JavaScript its first load costs, and whether the browser stays responsive while the live logs
// page streams an app that prints 1,000 lines a second. See bench/README.md ("console/").
/* global document, requestAnimationFrame, PerformanceObserver */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PLATFORM_COMPILED, exitUnlessBuilt, parseOptions } from '../lib/cli.mjs';
import { describe, runBench } from '../lib/lifecycle.mjs';
import { busyLine, machine, machineBusyPercent, median, percentile } from '../lib/measure.mjs';
import { DATABASE_SERVER_URL, REDIS_URL } from '../lib/resources.mjs';
import { formatTable } from '../lib/table.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPILED = [...PLATFORM_COMPILED, 'apps/console/dist/index.html'];
const TENANT = 'bench';
const NAMESPACE = 'default';
const APP = 'chatty';
const GOAL_FIRST_LOAD_KB = 300;
/** A frame that takes longer than this is one a person notices as a stutter. */
const JANK_FRAME_MS = 50;
const EMAIL = 'console@bench.test';
const PASSWORD = 'correct horse battery staple';

const options = parseOptions(
  { json: false, rate: 1000, seconds: 10, deadline: 600 },
  {
    usage:
      'usage: node bench/console/run.mjs [--json] [--rate=LINES_PER_S] [--seconds=N] [--deadline=SECONDS]',
  },
);
exitUnlessBuilt(ROOT, COMPILED);
const require = createRequire(import.meta.url);
const { createPrismaClient } = require('@nimbus/db');
const { createUser, launchChromium } = require('@nimbus/testing');
const { chooseSandbox } = await import('../build/build-phase.mjs');
const { createAppRepository } = await import('../build/bench-app.mjs');
const { timedGitPush } = await import('../build/push.mjs');
const { makeRunDir, runCleanup } = await import('../build/platform.mjs');
const { ServingPlatform } = await import('../serving/cluster.mjs');

const out = options.json ? process.stderr : process.stdout;
const say = (line = '') => out.write(`${line}\n`);

const { root, giveUp } = makeRunDir('console');
const sandbox = await chooseSandbox('auto').catch((error) => giveUp(error.message));
const platform = new ServingPlatform({
  sandbox: sandbox.sandbox,
  root: join(root, 'platform'),
  runId: randomBytes(6).toString('hex'),
  serverUrl: DATABASE_SERVER_URL,
  redisUrl: REDIS_URL,
});
let browser = null;
const cleanup = runCleanup(platform, root, () => browser?.close());

/** The JavaScript the console's index.html loads before anything shows, gzipped as it is served. */
function firstLoadJavaScript() {
  const dist = join(ROOT, 'apps/console/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const files = scripts.map((file) => {
    const bytes = readFileSync(join(dist, file));
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 6 }).length };
  });
  return { files, gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/** Prints `rate` lines a second in 10 ms bursts, and answers HTTP so that it counts as up. */
const serverJs = (rate) => `const http = require('node:http');
let n = 0;
const perTick = Math.max(1, Math.round(${rate} / 100));
setInterval(() => {
  for (let i = 0; i < perTick; i++) console.log('line', ++n, 'of a chatty app, padded to a typical length of a log line');
}, 10);
http.createServer((request, response) => response.end('ok')).listen(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

/** In the page: frame intervals and long tasks over `ms`, and the lines the console received. */
async function watchPage(page, ms) {
  return page.evaluate(async (duration) => {
    const view = document.querySelector('[data-lines-received]');
    const receivedAt = () => Number(view?.getAttribute('data-lines-received') ?? 0);
    const longTasks = [];
    const observer = new PerformanceObserver((list) =>
      longTasks.push(...list.getEntries().map((e) => e.duration)),
    );
    observer.observe({ type: 'longtask', buffered: false });
    const frames = [];
    const startLines = receivedAt();
    const started = performance.now();
    await new Promise((done) => {
      let last = started;
      const frame = (now) => {
        frames.push(now - last);
        last = now;
        if (now - started < duration) requestAnimationFrame(frame);
        else done();
      };
      requestAnimationFrame(frame);
    });
    observer.disconnect();
    const elapsed = performance.now() - started;
    return {
      frames,
      longTasks,
      linesPerSecond: ((receivedAt() - startLines) * 1000) / elapsed,
      shownLines: document.querySelectorAll('.log-line').length,
      heapMb: performance.memory ? performance.memory.usedJSHeapSize / 1_048_576 : null,
    };
  }, ms);
}

/** In the page: from a click on Pause (or Resume) to the next painted frame, `times` times. */
async function clickToPaint(page, times) {
  return page.evaluate(async (count) => {
    const button = [...document.querySelectorAll('button')].find((b) =>
      /^(Pause|Resume)$/.test(b.textContent),
    );
    const delays = [];
    for (let i = 0; i < count; i++) {
      const before = button.textContent;
      const clicked = performance.now();
      button.click();
      await new Promise((done) => {
        const check = () =>
          button.textContent !== before ? requestAnimationFrame(() => done()) : requestAnimationFrame(check);
        requestAnimationFrame(check);
      });
      delays.push(performance.now() - clicked);
      await new Promise((done) => setTimeout(done, 150));
    }
    return delays;
  }, times);
}

const summarize = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value) => (value === undefined ? null : Math.round(value * 10) / 10);
  return { p50: round(median(values)), p95: round(percentile(sorted, 0.95)), max: round(sorted.at(-1)) };
};

async function measure() {
  await platform.createDatabase();
  await platform.startRouter();
  await platform.startGateway();
  await platform.seed(TENANT, NAMESPACE);
  await platform.startOrchestrator();
  await platform.startAgent();
  await platform.startBuilder('builder');
  const db = createPrismaClient(platform.dbUrl, { poolSize: 1 });
  try {
    await createUser(db, { email: EMAIL, password: PASSWORD });
  } finally {
    await db.$disconnect();
  }
  await platform.api('PUT', `/v1/tenants/${TENANT}/members/${encodeURIComponent(EMAIL)}`, {
    role: 'developer',
  });
  await platform.api('POST', `/v1/tenants/${TENANT}/namespaces/${NAMESPACE}/apps`, { name: APP });
  const dir = join(root, APP);
  createAppRepository(dir, { serverJs: serverJs(options.rate), message: 'chatty' });
  const push = await timedGitPush(dir, platform.gitRemote(`${TENANT}/${NAMESPACE}/${APP}`), 180_000);
  if (push.code !== 0) throw new Error(`git push exited ${push.code}\n${push.output.slice(-3000)}`);
  say(`platform up and ${APP} deployed (printing ${options.rate} lines/s)`);

  browser = await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  let transferredJs = 0;
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script') return;
    const sizes = await response
      .request()
      .sizes()
      .catch(() => null);
    if (sizes) transferredJs += sizes.responseBodySize;
  });
  await page.goto(`${platform.url}/console/`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${platform.url}/console/t/${TENANT}/${NAMESPACE}/apps/${APP}/logs`);
  await page.getByText('Streaming').waitFor({ timeout: 30_000 });
  await sleep(2000);
  const watched = await watchPage(page, options.seconds * 1000);
  const clicks = await clickToPaint(page, 10);
  return { watched, clicks, transferredJs };
}

async function main() {
  const busyBefore = await machineBusyPercent();
  const began = Date.now();
  const firstLoad = firstLoadJavaScript();
  const { watched, clicks, transferredJs } = await measure();
  const cleaned = await cleanup();
  const frames = summarize(watched.frames);
  const result = {
    ...machine(),
    machineBusyPercentBefore: busyBefore,
    firstLoad: {
      gzipKb: +(firstLoad.gzipBytes / 1024).toFixed(1),
      transferredKb: +(transferredJs / 1024).toFixed(1),
      files: firstLoad.files,
      goalKb: GOAL_FIRST_LOAD_KB,
      met: firstLoad.gzipBytes / 1024 <= GOAL_FIRST_LOAD_KB,
    },
    logs: {
      appLinesPerSecond: options.rate,
      receivedLinesPerSecond: Math.round(watched.linesPerSecond),
      shownLines: watched.shownLines,
      frameMs: frames,
      framesOver50Ms: watched.frames.filter((ms) => ms > JANK_FRAME_MS).length,
      frames: watched.frames.length,
      longTasks: watched.longTasks.length,
      longTaskMs: Math.round(watched.longTasks.reduce((sum, ms) => sum + ms, 0)),
      clickToPaintMs: summarize(clicks),
      heapMb: watched.heapMb === null ? null : Math.round(watched.heapMb),
      seconds: options.seconds,
    },
    cleanup: cleaned,
    totalSeconds: +((Date.now() - began) / 1000).toFixed(1),
  };

  say();
  say(`node ${result.node}, ${result.cpus} CPUs (${result.cpuModel}); chromium headless`);
  say(busyLine(busyBefore));
  say();
  const { logs } = result;
  const rows = [
    ['first load of the console', 'value', 'goal'],
    [
      'JavaScript, gzipped (KB)',
      String(result.firstLoad.gzipKb),
      `≤ ${GOAL_FIRST_LOAD_KB} ${result.firstLoad.met ? 'MET' : 'MISSED'}`,
    ],
    ['JavaScript over the wire (KB)', String(result.firstLoad.transferredKb), ''],
    [''],
    [`live logs, ${logs.seconds} s at ${logs.appLinesPerSecond} lines/s`, 'p50', 'p95 / max'],
    ['lines received by the page per second', String(logs.receivedLinesPerSecond), ''],
    ['frame interval (ms)', String(logs.frameMs.p50), `${logs.frameMs.p95} / ${logs.frameMs.max}`],
    [`frames over ${JANK_FRAME_MS} ms`, `${logs.framesOver50Ms} of ${logs.frames}`, ''],
    ['long tasks (count, total ms)', String(logs.longTasks), String(logs.longTaskMs)],
    [
      'click Pause/Resume → painted (ms)',
      String(logs.clickToPaintMs.p50),
      `${logs.clickToPaintMs.p95} / ${logs.clickToPaintMs.max}`,
    ],
    ['lines kept on the page; JS heap (MB)', String(logs.shownLines), String(logs.heapMb ?? '-')],
  ];
  for (const line of formatTable(rows.map((row) => [...row, '', ''].slice(0, 3)))) say(line);
  say();
  say(`cleanup: ${describe(cleaned)}`);
  say(`bench took ${result.totalSeconds} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runBench(main, { cleanup, deadlineSeconds: options.deadline, onFailure: () => platform.writeLogTails() });
