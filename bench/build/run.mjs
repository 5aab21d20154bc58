// Build-phase timings for a small Node app with one dependency: cold (empty caches) and warm
// (lockfile unchanged), plus image size. Push and release are not in these figures yet: they
// join when the builder worker exists. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { buildCommit } = require('../../apps/builder/dist/index.js');
const { LayoutImageStore } = require('@nimbus/oci');

const RUNS = Number(process.argv.find((arg) => arg.startsWith('--runs='))?.split('=')[1] ?? 3);
const GOALS = { coldSeconds: 15, warmSeconds: 3 };
const root = mkdtempSync(join(os.tmpdir(), 'nimbus-bench-build-'));
const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.test', ...args], { cwd })
    .toString()
    .trim();

function makeApp() {
  const dir = join(root, 'app');
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'bench-app',
      version: '1.0.0',
      dependencies: { ms: '2.1.3' },
      scripts: { start: 'node server.js' },
    }),
  );
  writeFileSync(
    join(dir, 'server.js'),
    "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n",
  );
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
  });
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  return dir;
}

function commitChange(dir, n) {
  writeFileSync(
    join(dir, 'server.js'),
    `// change ${n}\nrequire('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n`,
  );
  git(dir, 'commit', '-qam', `change ${n}`);
  return git(dir, 'rev-parse', 'HEAD');
}

async function timedBuild(dir, commit, cacheDir) {
  const started = performance.now();
  const image = await buildCommit({
    repository: join(dir, '.git'),
    commit,
    scratchDir: join(root, 'scratch'),
    cacheDir,
    store: new LayoutImageStore(join(root, 'images')),
    limits: { timeoutMs: 300_000, memoryBytes: 2 << 30, maxProcesses: 1024 },
    log: process.env.BENCH_VERBOSE ? (line) => console.error(line) : () => {},
  });
  return { seconds: (performance.now() - started) / 1000, image };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const dir = makeApp();
  const cold = [];
  const warm = [];
  let sizeBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const cacheDir = join(root, `cache-${run}`);
    const first = await timedBuild(dir, commitChange(dir, `cold-${run}`), cacheDir);
    cold.push(first.seconds);
    sizeBytes = first.image.sizeBytes;
    warm.push((await timedBuild(dir, commitChange(dir, `warm-${run}`), cacheDir)).seconds);
  }
  const result = {
    node: process.version,
    cpus: os.availableParallelism(),
    runs: RUNS,
    coldSeconds: +median(cold).toFixed(2),
    warmSeconds: +median(warm).toFixed(2),
    imageKiB: +(sizeBytes / 1024).toFixed(1),
  };
  console.log(`build phase only (checkout, install, image, push to an OCI layout); median of ${RUNS} runs`);
  console.log(
    `node ${result.node}, ${result.cpus} CPUs; npm packages fetched from the registry on cold builds`,
  );
  console.log(
    `cold (empty caches):      ${result.coldSeconds} s   (goal for push-to-release: < ${GOALS.coldSeconds} s)`,
  );
  console.log(
    `warm (lockfile unchanged): ${result.warmSeconds} s   (goal for push-to-release: < ${GOALS.warmSeconds} s)`,
  );
  console.log(`image (compressed layers): ${result.imageKiB} KiB`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
} finally {
  rmSync(root, { recursive: true, force: true });
}
