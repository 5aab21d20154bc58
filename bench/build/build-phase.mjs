// The build phase alone, in this process: the builder's pipeline (`buildCommit`) from a source
// archive to an image in an OCI layout, with no gateway, queue, database or release.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { commitSourceChange, createAppRepository, gitEnv } from './bench-app.mjs';

const require = createRequire(import.meta.url);
const { buildCommit, stepRunner } = require('@nimbus/builder');
const { LayoutImageStore } = require('@nimbus/oci');
const { containerSupport } = require('@nimbus/sandbox');

/**
 * Where build steps run, as the builder's NIMBUS_BUILD_SANDBOX: `auto` becomes `runc` when the
 * host can run containers (the builder's own check) and `none` otherwise.
 */
export async function chooseSandbox(requested) {
  if (requested === 'none') return { sandbox: 'none', reason: 'asked for' };
  const support = await containerSupport();
  if (support.available) return { sandbox: 'runc', reason: requested === 'runc' ? 'asked for' : 'auto' };
  if (requested === 'runc') throw new Error(`--sandbox=runc, but runc cannot run here: ${support.reason}`);
  return { sandbox: 'none', reason: `auto: ${support.reason}` };
}

/**
 * `cold` builds, each of a fresh app with a fresh cache directory (no node_modules cache, no npm
 * cache), then `warm` builds of new commits of the last of them, whose lockfile is unchanged.
 */
export async function measureBuildPhase({ root, cold, warm, sandbox, timeoutMs, verbose }) {
  const store = new LayoutImageStore(join(root, 'images'));
  // The builder's own step runner, with its default build user.
  const runStep = stepRunner(
    sandbox === 'none' ? null : { user: { uid: 10_000, gid: 10_000 }, stateDir: join(root, 'runc') },
  );
  // The builder's defaults (NIMBUS_BUILD_MEMORY_MB, NIMBUS_BUILD_MAX_PROCESSES), so steps run confined as there.
  const limits = { timeoutMs, memoryBytes: 2048 * 1024 * 1024, maxProcesses: 1024 };
  const timed = async (dir, commit, cacheDir, expectRestore) => {
    const source = join(root, `${commit}.tar`);
    execFileSync('git', ['archive', '--format=tar', '-o', source, commit], { cwd: dir, env: gitEnv() });
    const lines = [];
    const started = performance.now();
    try {
      const image = await buildCommit({
        source,
        commit,
        scratchDir: join(root, 'scratch'),
        cacheDir,
        store,
        limits,
        runStep,
        log: (line) => {
          lines.push(line);
          if (verbose) process.stderr.write(`  build: ${line}\n`);
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const restored = lines.some((line) => line.includes('Restoring cached dependencies'));
      if (restored !== expectRestore)
        throw new Error(`a ${expectRestore ? 'warm' : 'cold'} build ${restored ? 'restored' : 'installed'}`);
      return { seconds, sizeBytes: image.sizeBytes };
    } finally {
      rmSync(source, { force: true });
    }
  };

  const result = { cold: [], warm: [], imageSizeBytes: [] };
  let last;
  for (let run = 0; run < cold; run++) {
    const dir = join(root, `app-${run}`);
    const cacheDir = join(root, `cache-${run}`);
    mkdirSync(dir);
    const build = await timed(dir, createAppRepository(dir), cacheDir, false);
    result.cold.push(build.seconds);
    result.imageSizeBytes.push(build.sizeBytes);
    if (last) rmSync(last.cacheDir, { recursive: true, force: true });
    last = { dir, cacheDir };
  }
  for (let run = 0; run < warm; run++) {
    const commit = commitSourceChange(last.dir, `warm ${run}`);
    const build = await timed(last.dir, commit, last.cacheDir, true);
    result.warm.push(build.seconds);
    result.imageSizeBytes.push(build.sizeBytes);
  }
  return result;
}
