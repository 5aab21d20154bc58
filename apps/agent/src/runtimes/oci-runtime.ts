import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findRunc, runc, runcError } from '@nimbus/sandbox';
import { cgroupOomKilled, cgroupPathsOfRunc, cgroupUsage, type CgroupPaths } from './cgroup-files';
import { markKilled, readExitStatus } from './exit-status';
import { removeRoot, writeBundle } from './oci-bundle';
import { processRunning, readProcStat, waitFor } from './proc-stat';
import type { InstanceSpec, Runtime, RuntimeHandle, RuntimeState, RuntimeStats } from './runtime';
import { StartupBoosts } from './startup-boost';

export interface OciRuntimeOptions {
  /** The agent's state directory: runc keeps its container state under `<stateDir>/runc`. */
  stateDir: string;
  /** Whom instances run as: never root. Default 10001:10001 (no user of the host's). */
  user?: { uid: number; gid: number };
  /** Absolute cgroup under which containers go (e.g. `/nimbus`), outside the agent's own; default nested in it. */
  cgroupParent?: string;
  /** Processes and threads per instance. */
  maxProcesses?: number;
  /** How long SIGKILL may take before stop() gives up. */
  killTimeoutMs?: number;
  /** How long an instance boots with a boosted CPU quota (default 10 s); tests shorten it. */
  startupBoostMs?: number;
}

const DEFAULT_USER = { uid: 10001, gid: 10001 };
/** The CFS period the bundle's CPU limit is set in (libs/sandbox's ociSpec). */
const CPU_PERIOD_US = 100_000;

/**
 * The `oci` runtime: each instance a runc container (pid, mount, ipc and uts namespaces; the
 * host's network so its PORT is reachable; cgroup limits; a non-root user; a read-only root),
 * started detached so it outlives the agent, with a runc state directory of its own so it never
 * meets other runc users' containers.
 */
export class OciRuntime implements Runtime {
  readonly kind = 'oci' as const;
  private readonly root: string;
  private readonly user: { uid: number; gid: number };
  private readonly boosts: StartupBoosts;

  constructor(private readonly options: OciRuntimeOptions) {
    this.root = resolve(options.stateDir, 'runc');
    this.user = options.user ?? DEFAULT_USER;
    if (this.user.uid === 0 || this.user.gid === 0)
      throw new Error('the oci runtime never runs instances as root');
    this.boosts = new StartupBoosts(async (handle, cpus) => {
      const quota = String(Math.round(cpus * CPU_PERIOD_US));
      const id = containerIdOf(handle);
      const call = await runc(runcBinary(), this.root, [
        'update',
        '--cpu-period',
        String(CPU_PERIOD_US),
        '--cpu-quota',
        quota,
        id,
      ]);
      if (!call.ok) throw new Error(call.stderr);
    }, options.startupBoostMs);
  }

  async start(spec: InstanceSpec): Promise<RuntimeHandle> {
    const binary = runcBinary();
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mkdir(spec.dir, { recursive: true });
    const id = containerId(spec.instanceId);
    const cpus = spec.resources.cpuMillis / 1000;
    const starting = { ...spec.resources, cpuMillis: Math.round(this.boosts.startingCpus(cpus) * 1000) };
    await writeBundle(
      { ...spec, resources: starting },
      {
        id,
        user: this.user,
        maxProcesses: this.options.maxProcesses ?? 1024,
        ...(this.options.cgroupParent ? { cgroupParent: this.options.cgroupParent } : {}),
      },
    );

    const stdoutPath = join(spec.dir, 'stdout.log');
    const stderrPath = join(spec.dir, 'stderr.log');
    const pidFile = join(spec.dir, 'container.pid');
    const logFile = join(spec.dir, 'runc.log');
    await rm(pidFile, { force: true });
    await this.boosts.begin(spec.instanceId, spec.dir, cpus);
    const stdout = await open(stdoutPath, 'a');
    const stderr = await open(stderrPath, 'a');
    let code: number | null;
    try {
      // Detached, without a terminal: runc hands these descriptors to the container and exits.
      const child = spawn(
        binary,
        [
          '--root',
          this.root,
          '--log',
          logFile,
          '--log-format',
          'json',
          'run',
          '--detach',
          '--bundle',
          spec.dir,
          '--pid-file',
          pidFile,
          id,
        ],
        { env: {}, stdio: ['ignore', stdout.fd, stderr.fd] },
      );
      code = await new Promise<number | null>((done, fail) => {
        child.once('error', fail);
        child.once('exit', done);
      });
    } finally {
      await stdout.close();
      await stderr.close();
    }
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => NaN));
    if (code !== 0 || !Number.isInteger(pid)) {
      await runc(binary, this.root, ['delete', '--force', id]);
      throw new Error(`runc could not start ${spec.instanceId}: ${await runcError(logFile, code)}`);
    }
    return {
      instanceId: spec.instanceId,
      runtime: 'oci',
      containerId: id,
      pid,
      pidStartTicks: (await readProcStat(pid))?.startTicks ?? -1,
      dir: spec.dir,
      stdoutPath,
      stderrPath,
    };
  }

  async state(handle: RuntimeHandle): Promise<RuntimeState> {
    // Asked every few ms while an instance starts: a live init needs no `runc state` process.
    if (handle.pid !== undefined && (await this.running(handle))) {
      await this.boosts.settle(handle);
      return { running: true };
    }
    const status = await this.status(handle);
    if (status !== 'stopped' && status !== null) return { running: true };
    // The container's cgroup stays until `runc delete`: its OOM counter tells a kill by the memory limit.
    const cgroup = status === null ? null : await this.cgroupPaths(handle);
    return {
      running: false,
      ...(await readExitStatus(handle.dir)),
      oomKilled: cgroup ? await cgroupOomKilled(cgroup) : false,
    };
  }

  async stop(handle: RuntimeHandle, gracePeriodMs: number): Promise<void> {
    if (!(await this.running(handle))) return;
    const binary = runcBinary();
    const id = containerIdOf(handle);
    // --all: every process of the container gets it, as on the process runtime (and Heroku).
    await runc(binary, this.root, ['kill', '--all', id, 'TERM']);
    if (await waitFor(async () => !(await this.running(handle)), gracePeriodMs)) return;
    await markKilled(handle.dir);
    // The container's init dies, and the kernel kills everything else in its pid namespace.
    await runc(binary, this.root, ['kill', id, 'KILL']);
    const ended = await waitFor(
      async () => !(await this.running(handle)),
      this.options.killTimeoutMs ?? 5000,
    );
    if (!ended) throw new Error(`container ${id} of instance ${handle.instanceId} survived SIGKILL`);
  }

  async remove(handle: RuntimeHandle): Promise<void> {
    if (await this.running(handle))
      throw new Error(`instance ${handle.instanceId} is still running: stop it before removing it`);
    const call = await runc(runcBinary(), this.root, ['delete', '--force', containerIdOf(handle)]);
    if (!call.ok && !/does not exist|not found/i.test(call.stderr))
      throw new Error(`runc could not delete ${handle.containerId}: ${call.stderr}`);
    await removeRoot(join(handle.dir, 'rootfs'));
    await rm(handle.dir, { recursive: true, force: true });
    this.boosts.forget(handle.instanceId);
  }

  async stats(handle: RuntimeHandle): Promise<RuntimeStats | null> {
    if (!(await this.running(handle))) return null;
    const cgroup = await this.cgroupPaths(handle);
    return cgroup ? cgroupUsage(cgroup) : null;
  }

  /** runc's word for the container (created, running, paused, stopped), or null when it has none. */
  private async status(handle: RuntimeHandle): Promise<string | null> {
    const call = await runc(runcBinary(), this.root, ['state', containerIdOf(handle)]);
    if (!call.ok) return null;
    return (JSON.parse(call.stdout) as { status?: string }).status ?? null;
  }

  /** Cheaper than `runc state` (no process to start), for polling: the container's init by pid and start time. */
  private running(handle: RuntimeHandle): Promise<boolean> {
    return processRunning(handle.pid, handle.pidStartTicks);
  }

  /**
   * From runc's state file: no runc command prints the cgroup paths, and `cgroup_paths` has been
   * in that file since libcontainer's first release.
   */
  private async cgroupPaths(handle: RuntimeHandle): Promise<CgroupPaths | null> {
    const text = await readFile(join(this.root, containerIdOf(handle), 'state.json'), 'utf8').catch(
      () => null,
    );
    if (text === null) return null;
    const paths = (JSON.parse(text) as { cgroup_paths?: Record<string, string> }).cgroup_paths;
    return paths ? cgroupPathsOfRunc(paths) : null;
  }
}

function runcBinary(): string {
  const binary = findRunc();
  if (!binary)
    throw new Error('the oci runtime needs runc (not on PATH nor in /usr/sbin): install the runc package');
  return binary;
}

/** Unique per start, so a restarted instance never collides with what is left of its last container. */
function containerId(instanceId: string): string {
  const name = instanceId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 48);
  return `nimbus-${name}-${randomBytes(4).toString('hex')}`;
}

function containerIdOf(handle: RuntimeHandle): string {
  if (!handle.containerId) throw new Error(`handle of instance ${handle.instanceId} names no container`);
  return handle.containerId;
}
