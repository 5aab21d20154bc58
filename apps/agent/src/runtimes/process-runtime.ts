import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { cgroupOomKilled, cgroupPids, cgroupUsage, destroyCgroups, type CgroupPaths } from './cgroup-files';
import {
  RUN_DIR,
  clearExitStatus,
  markKilled,
  readExitStatus,
  statusFileIn,
  wrapperArgv,
} from './exit-status';
import { processEnv } from './image-paths';
import { copyImageRoot } from './instance-copy';
import { createProcessCgroup, setCpuQuota } from './process-cgroup';
import { StartupBoosts } from './startup-boost';
import { processGroupUsage, processRunning, readProcStat, waitFor } from './proc-stat';
import type { InstanceSpec, Runtime, RuntimeHandle, RuntimeState, RuntimeStats } from './runtime';

export interface ProcessRuntimeOptions {
  /** The host's PATH, appended to each instance's so the runtime stack (node, python, sh) is found. */
  hostPath: string;
  /** Processes and threads per instance, where the host has a pids cgroup. */
  maxProcesses?: number;
  /** How long SIGKILL may take before stop() gives up. */
  killTimeoutMs?: number;
  /**
   * Whom instances run as (the agent must be root to switch): never the agent's own identity,
   * so an instance cannot change the agent's state or the shared images. Unset where the agent is
   * not root: instances then run as the agent.
   */
  user?: { uid: number; gid: number };
  /** How long an instance boots with a boosted CPU quota (default 10 s); tests shorten it. */
  startupBoostMs?: number;
}

/** Kept in the instance's directory: what a later agent needs that the handle does not carry. */
interface InstanceRecord {
  cgroup: CgroupPaths | null;
}

const RECORD_FILE = 'process.json';
/** The instance's copy of the image, below its directory. */
const ROOT_DIR = 'root';

/**
 * The `process` runtime, for hosts without runc: the process-type command as a detached process
 * group on the host, in the instance's own copy of the image with the image's paths mapped onto
 * it (see ImagePathMap and copyImageRoot), as an unprivileged user where the agent is root,
 * confined by cgroups where the host has them. Not an isolation boundary: the instance sees the
 * host's files, and every instance runs as the same user.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = 'process' as const;

  private readonly boosts: StartupBoosts;

  constructor(private readonly options: ProcessRuntimeOptions) {
    this.boosts = new StartupBoosts(async (handle, cpus) => {
      const { cgroup } = await readRecord(handle.dir);
      if (cgroup) await setCpuQuota(cgroup, cpus);
    }, options.startupBoostMs);
  }

  async start(spec: InstanceSpec): Promise<RuntimeHandle> {
    const { dir } = spec;
    // A restarted instance may reuse its directory; its last run's ending must not be read as this one's.
    await clearExitStatus(dir);
    // The agent's own: the wrapper writes the status there as root; the instance's user cannot.
    await mkdir(join(dir, RUN_DIR), { recursive: true, mode: 0o755 });

    const { user } = this.options;
    if (user) await assertReachable(dir, user);
    // Its own writable copy of the image: what one instance writes, no other (nor a restart) sees.
    const paths = await copyImageRoot(spec.image.rootfs, join(dir, ROOT_DIR));
    const env = processEnv(
      { HOME: spec.image.workingDir, ...spec.image.env },
      spec.env,
      paths,
      this.options.hostPath,
    );
    const cpus = spec.resources.cpuMillis / 1000;
    const cgroup = await createProcessCgroup({
      memoryBytes: spec.resources.memoryMb * 1024 * 1024,
      maxProcesses: this.options.maxProcesses ?? 1024,
      cpus: this.boosts.startingCpus(cpus),
    });
    const stdoutPath = join(dir, 'stdout.log');
    const stderrPath = join(dir, 'stderr.log');
    let pid: number;
    try {
      // Written before the process exists, so a crash right after spawning still leaves it findable.
      const record: InstanceRecord = { cgroup: cgroup?.paths ?? null };
      await writeFile(join(dir, RECORD_FILE), JSON.stringify(record));
      // Without a cgroup of its own there is no quota to boost.
      await this.boosts.begin(spec.instanceId, dir, cgroup ? cpus : 0);
      pid = await spawnDetached(
        wrapperArgv(paths.command(spec.command), statusFileIn(dir), cgroup?.procsFiles, user),
        { cwd: paths.path(spec.image.workingDir), env, stdoutPath, stderrPath },
      );
    } catch (error) {
      if (cgroup) await destroyCgroups(cgroup.paths);
      throw new Error(`could not start instance ${spec.instanceId}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Unreadable only if it has ended and been reaped already; -1 then never matches a later process.
    const startTicks = (await readProcStat(pid))?.startTicks ?? -1;
    return {
      instanceId: spec.instanceId,
      runtime: 'process',
      pid,
      pidStartTicks: startTicks,
      dir,
      stdoutPath,
      stderrPath,
    };
  }

  async state(handle: RuntimeHandle): Promise<RuntimeState> {
    if (await this.running(handle)) {
      await this.boosts.settle(handle);
      return { running: true };
    }
    const { cgroup } = await readRecord(handle.dir);
    return {
      running: false,
      ...(await readExitStatus(handle.dir)),
      oomKilled: cgroup ? await cgroupOomKilled(cgroup) : false,
    };
  }

  async stop(handle: RuntimeHandle, gracePeriodMs: number): Promise<void> {
    const { cgroup } = await readRecord(handle.dir);
    if (await this.running(handle)) {
      signalGroup(handle, 'SIGTERM');
      if (!(await waitFor(async () => !(await this.running(handle)), gracePeriodMs))) {
        await markKilled(handle.dir);
        signalGroup(handle, 'SIGKILL');
        const ended = await waitFor(
          async () => !(await this.running(handle)),
          this.options.killTimeoutMs ?? 5000,
        );
        if (!ended) throw new Error(`instance ${handle.instanceId} (pid ${handle.pid}) survived SIGKILL`);
      }
      // Members of the group that outlived its leader; the id is not reused while they exist.
      signalGroup(handle, 'SIGKILL');
    }
    // What left the process group (a daemonised child) cannot leave the cgroup.
    if (cgroup) for (const pid of await cgroupPids(cgroup)) kill(pid, 'SIGKILL');
  }

  async remove(handle: RuntimeHandle): Promise<void> {
    if (await this.running(handle))
      throw new Error(`instance ${handle.instanceId} is still running: stop it before removing it`);
    const { cgroup } = await readRecord(handle.dir);
    if (cgroup) await destroyCgroups(cgroup);
    await rm(handle.dir, { recursive: true, force: true });
    this.boosts.forget(handle.instanceId);
  }

  async stats(handle: RuntimeHandle): Promise<RuntimeStats | null> {
    if (!(await this.running(handle))) return null;
    const { cgroup } = await readRecord(handle.dir);
    const fromCgroup = cgroup ? await cgroupUsage(cgroup) : null;
    if (fromCgroup && (cgroup?.cpuacct || cgroup?.unified)) return fromCgroup;
    // No CPU accounting of our own here: the process group's, from /proc.
    const fromProc = await processGroupUsage(handle.pid as number);
    return { cpuSeconds: fromProc.cpuSeconds, memoryBytes: fromCgroup?.memoryBytes ?? fromProc.memoryBytes };
  }

  private running(handle: RuntimeHandle): Promise<boolean> {
    return processRunning(handle.pid, handle.pidStartTicks);
  }
}

/**
 * Starts argv in its own session and process group, so stop signals reach all of it and it
 * outlives the agent, with its output appended to the two files; resolves with its pid once it runs.
 */
async function spawnDetached(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; stdoutPath: string; stderrPath: string },
): Promise<number> {
  const stdout = await open(options.stdoutPath, 'a');
  const stderr = await open(options.stderrPath, 'a').catch(async (error: unknown) => {
    await stdout.close();
    throw error;
  });
  try {
    const [file, ...args] = argv;
    const child = spawn(file as string, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', stdout.fd, stderr.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    return child.pid as number;
  } finally {
    await stdout.close();
    await stderr.close();
  }
}

/**
 * The instance's user must be able to reach its copy: a private parent (mode 0700, as mkdtemp
 * makes them) would fail every start with a bare EACCES from the shell, so say which one it is.
 */
async function assertReachable(dir: string, user: { uid: number; gid: number }): Promise<void> {
  for (let path = dirname(resolve(dir)); ; path = dirname(path)) {
    const stats = await stat(path);
    const bit = stats.uid === user.uid ? 0o100 : stats.gid === user.gid ? 0o010 : 0o001;
    if ((stats.mode & bit) === 0)
      throw new Error(
        `${path} cannot be entered by uid ${user.uid}, whom process-runtime instances run as: make it traversable (chmod o+x) or move the agent's state directory`,
      );
    if (path === dirname(path)) return;
  }
}

async function readRecord(dir: string): Promise<InstanceRecord> {
  const text = await readFile(join(dir, RECORD_FILE), 'utf8').catch(() => null);
  return text === null ? { cgroup: null } : (JSON.parse(text) as InstanceRecord);
}

/** Only called while the group's leader is known to be the instance's, so the group id is not someone else's. */
function signalGroup(handle: RuntimeHandle, signal: NodeJS.Signals): void {
  kill(-(handle.pid as number), signal);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
