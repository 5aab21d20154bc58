import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { oomKills, swapLimitSupported } from './cgroups';
import { buildRootfs, chownTree, PROTECTED_PATHS } from './container-rootfs';
import { ociSpec } from './oci-spec';
import { findRunc, runc, runcError } from './runc';
import type { RunOptions, RunResult } from './run-command';
import { streamLines } from './stream-lines';

export interface ContainerRunOptions extends RunOptions {
  /** The unprivileged identity the command runs as; root is refused. */
  user: { uid: number; gid: number };
  /**
   * Host directories mounted read-write at the same paths inside (build dir, caches), so absolute
   * paths in `env` stay valid; `cwd` must be one of them or inside one. Everything else is read-only.
   */
  writable: string[];
  /**
   * Host directories mounted read-write at another path inside (a build's tree at /app, so paths
   * that tools bake into files stay valid once the tree is an image). Chowned like `writable`.
   */
  binds?: { source: string; destination: string }[];
  /** runc's state directory (`runc --root`), kept apart from other runc users; default under os.tmpdir(). */
  stateDir?: string;
  /**
   * Where the container's bundle is made, default os.tmpdir(): a caller that cleans up after a
   * killed predecessor (a builder's scratch directory) passes its own, so nothing piles up.
   */
  bundleDir?: string;
  /** CPU time cap in CPUs' worth (0.5, 2); unset means no cap. */
  cpus?: number;
}

/** How long runc gets to stop a killed container before runc itself is killed. */
const KILL_GRACE_MS = 5_000;
const KILL_RETRY_MS = 100;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const inside = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? dir : dir + sep);

/**
 * Runs untrusted code (build steps, release commands) in a runc container: its own pid, mount,
 * ipc and uts namespaces, the host's network, the host's /usr and /etc read-only, a read-only
 * root with tmpfs /tmp, no capabilities, as `user`, with the memory, process and time limits of
 * `limits`; output is streamed line by line. The container is deleted and its bundle removed
 * before this returns or throws.
 *
 * Each `writable` directory is chowned recursively to `user` first (symbolic links are never
 * followed, and files with several hard links are refused), so the caller must pass only
 * directories that belong to this run — never a shared one.
 *
 * Rejects when runc cannot start the command at all (missing runc, a command not found, a bad
 * option); a command that runs and fails resolves with its exit status.
 */
export async function runInContainer(options: ContainerRunOptions): Promise<RunResult> {
  const { command, cwd, env, limits, onLine, user } = options;
  if (command.length === 0) throw new Error('runInContainer needs a command');
  if (user.uid === 0 || user.gid === 0)
    throw new Error('runInContainer refuses to run as root: give a non-root uid and gid');
  const binds = await checkBinds(options.binds ?? []);
  const writable = await checkWritable(
    options.writable,
    cwd,
    binds.map((bind) => bind.destination),
  );
  const binary = findRunc();
  if (!binary)
    throw new Error('runInContainer: runc was not found on PATH or in /usr/sbin (install the runc package)');

  const stateRoot = resolve(options.stateDir ?? join(tmpdir(), 'nimbus-runc'));
  await mkdir(stateRoot, { recursive: true, mode: 0o700 });
  const id = `nimbus-${randomBytes(8).toString('hex')}`;
  const bundleDir = resolve(options.bundleDir ?? tmpdir());
  await mkdir(bundleDir, { recursive: true, mode: 0o700 });
  const bundle = await mkdtemp(join(bundleDir, 'nimbus-bundle-'));
  try {
    for (const dir of [...writable, ...binds.map((bind) => bind.source)])
      await chownTree(dir, user.uid, user.gid);
    const readonlyBinds = await buildRootfs(join(bundle, 'rootfs'));
    const spec = ociSpec({
      args: command,
      env,
      cwd,
      user,
      rootfs: 'rootfs',
      mounts: [
        ...readonlyBinds,
        ...writable.map((dir) => ({ source: dir, destination: dir, readonly: false })),
        ...binds.map((bind) => ({ ...bind, readonly: false })),
      ],
      resources: {
        memoryBytes: limits.memoryBytes,
        // Without it, a memory limit could be dodged by swapping.
        memorySwapBytes:
          limits.memoryBytes !== undefined && swapLimitSupported() ? limits.memoryBytes : undefined,
        maxProcesses: limits.maxProcesses,
        cpus: options.cpus,
      },
      // Relative: runc nests it under this process's own cgroup, as createCgroup does.
      cgroupsPath: id,
    });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    return await runBundle({ binary, stateRoot, bundle, id, timeoutMs: limits.timeoutMs, onLine });
  } finally {
    // Fails harmlessly when runc never created the container.
    await runc(binary, stateRoot, ['delete', '--force', id]);
    await removeBundle(bundle);
  }
}

/** Real, absolute, and neither a system directory nor one that would be chowned whole. */
async function checkHostDir(dir: string, what: string): Promise<string> {
  if (!isAbsolute(dir)) throw new Error(`runInContainer: ${what} ${dir} must be absolute`);
  const real = await realpath(dir).catch(() => {
    throw new Error(`runInContainer: ${what} ${dir} does not exist`);
  });
  // The same path must name the same directory inside and outside the container.
  if (real !== resolve(dir))
    throw new Error(`runInContainer: ${what} ${dir} must be its real path (${real})`);
  if (isSystemPath(real))
    throw new Error(
      `runInContainer: ${real} cannot be writable: it is a system directory or would be chowned whole`,
    );
  return real;
}

const isSystemPath = (path: string) =>
  path === '/' || path === '/tmp' || path === tmpdir() || PROTECTED_PATHS.some((dir) => inside(path, dir));

async function checkBinds(
  binds: { source: string; destination: string }[],
): Promise<{ source: string; destination: string }[]> {
  const checked = [];
  for (const bind of binds) {
    const source = await checkHostDir(bind.source, 'bind source');
    const destination = resolve('/', bind.destination);
    if (!isAbsolute(bind.destination) || isSystemPath(destination))
      throw new Error(`runInContainer: cannot bind over ${bind.destination}: it is a system directory`);
    checked.push({ source, destination });
  }
  return checked;
}

/** Writable directories, sorted parents first (mounts apply in order); cwd must be inside one or a bind. */
async function checkWritable(dirs: string[], cwd: string, bound: string[]): Promise<string[]> {
  const checked: string[] = [];
  for (const dir of dirs) checked.push(await checkHostDir(dir, 'writable path'));
  if (!isAbsolute(cwd) || ![...checked, ...bound].some((dir) => inside(resolve(cwd), dir)))
    throw new Error(`runInContainer: cwd ${cwd} must be inside one of the writable directories`);
  return [...new Set(checked)].sort((a, b) => a.split(sep).length - b.split(sep).length);
}

interface BundleRun {
  binary: string;
  stateRoot: string;
  bundle: string;
  id: string;
  timeoutMs: number;
  onLine: RunOptions['onLine'];
}

/**
 * `runc run --keep` in the foreground: runc passes our pipes through to the container and exits
 * with its status, and --keep leaves the stopped container's cgroup in place so the OOM counter
 * can be read before the caller deletes it.
 */
async function runBundle({
  binary,
  stateRoot,
  bundle,
  id,
  timeoutMs,
  onLine,
}: BundleRun): Promise<RunResult> {
  const pidFile = join(bundle, 'container.pid');
  const logFile = join(bundle, 'runc.log');
  const args = ['--root', stateRoot, '--log', logFile, '--log-format', 'json'];
  args.push('run', '--keep', '--bundle', bundle, '--pid-file', pidFile, id);
  const started = performance.now();
  const child = spawn(binary, args, { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });

  let exited = false;
  let timedOut = false;
  const kill = async () => {
    // runc kill fails until the container exists; keep at it until runc run is done.
    const giveUp = performance.now() + KILL_GRACE_MS;
    while (!exited) {
      if (performance.now() > giveUp) {
        child.kill('SIGKILL');
        return;
      }
      await runc(binary, stateRoot, ['kill', id, 'KILL']);
      await sleep(KILL_RETRY_MS);
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    void kill();
  }, timeoutMs);

  const lines = streamLines(child, onLine);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once('error', (error) => fail(new Error(`runInContainer: could not start runc: ${error.message}`)));
    child.once('exit', (code, signal) => done({ code, signal }));
  }).finally(() => {
    exited = true;
    clearTimeout(timer);
  });
  // Both close once the pid namespace is gone: its init's death takes every process with it.
  await lines;
  const durationMs = Math.round(performance.now() - started);

  if (!existsSync(pidFile) && !timedOut)
    throw new Error(`runInContainer: runc could not start ${id}: ${await runcError(logFile, exit.code)}`);
  const cgroupPaths = await readCgroupPaths(stateRoot, id);
  return {
    ...exitStatus(exit),
    timedOut,
    oomKilled: await oomKilledIn(cgroupPaths),
    durationMs,
    limited: true,
    cgroups: [...new Set(Object.values(cgroupPaths))],
  };
}

/**
 * runc reports a container killed by a signal as 128 + signal, like a shell; it is read back the
 * same way, so a command that itself exits 137 reads as SIGKILL.
 */
function exitStatus(exit: { code: number | null; signal: NodeJS.Signals | null }) {
  if (exit.signal || exit.code === null) return { exitCode: null, signal: exit.signal };
  if (exit.code > 128) {
    const name = Object.entries(constants.signals).find(
      ([, number]) => number === (exit.code as number) - 128,
    )?.[0];
    // The keys of os.constants.signals are exactly NodeJS.Signals; Object.entries widens them to string.
    if (name) return { exitCode: null, signal: name as NodeJS.Signals };
  }
  return { exitCode: exit.code, signal: null };
}

/**
 * The container's cgroup directories, from runc's state file: no runc command prints them, and
 * `cgroup_paths` has been part of that file since libcontainer's first release.
 */
async function readCgroupPaths(stateRoot: string, id: string): Promise<Record<string, string>> {
  const text = await readFile(join(stateRoot, id, 'state.json'), 'utf8').catch(() => null);
  if (text === null) return {};
  const state: unknown = JSON.parse(text);
  const paths =
    typeof state === 'object' && state !== null ? (state as { cgroup_paths?: unknown }).cgroup_paths : null;
  if (typeof paths !== 'object' || paths === null) return {};
  return Object.fromEntries(
    Object.entries(paths).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** v1 (and hybrid) hosts key the memory controller by name; a v2 host has one unified path, keyed "". */
async function oomKilledIn(cgroupPaths: Record<string, string>): Promise<boolean> {
  if (cgroupPaths.memory) return (await oomKills(cgroupPaths.memory, 'v1')) > 0;
  if (cgroupPaths['']) return (await oomKills(cgroupPaths[''], 'v2')) > 0;
  return false;
}

/**
 * The rootfs holds mount points of /usr, /etc and the writable directories: only in the
 * container's mount namespace, which is gone by now. Should one still be visible here, removing
 * the bundle recursively would delete host files, so it is refused.
 */
async function removeBundle(bundle: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounted = mounts
    .split('\n')
    .map((line) => line.split(' ')[4])
    .find((point) => point !== undefined && inside(point, bundle));
  if (mounted) throw new Error(`runInContainer: ${mounted} is still mounted; left ${bundle} in place`);
  await rm(bundle, { recursive: true, force: true });
}
