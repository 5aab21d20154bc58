import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

export interface CgroupLimits {
  memoryBytes?: number;
  maxProcesses?: number;
}

/** A cgroup (one per controller on v1) that a process joins by writing its pid to `procsFiles`. */
export interface Cgroup {
  /** The cgroup directories, one per controller on v1. */
  paths: string[];
  procsFiles: string[];
  /** Pids still inside: what is left to kill once the main process is gone. */
  pids(): Promise<number[]>;
  /** Whether the kernel's OOM killer fired inside this cgroup. */
  oomKilled(): Promise<boolean>;
  destroy(): Promise<void>;
}

/** This process's own path in a v1 controller's hierarchy, so new groups nest under it. */
export function ownV1Path(controller: string): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes(controller));
  return line?.split(':')[2] ?? '/';
}

function ownV2Path(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('0::'));
  return line?.slice(3) ?? '/';
}

/** Which cgroup layout this host offers for limits, if any. */
export function cgroupSupport(): 'v1' | 'v2' | 'none' {
  if (existsSync(join(ROOT, 'memory', 'cgroup.procs')) && existsSync(join(ROOT, 'pids', 'cgroup.procs')))
    return 'v1';
  if (existsSync(join(ROOT, 'cgroup.controllers'))) {
    const controllers = readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8');
    if (controllers.includes('memory') && controllers.includes('pids')) return 'v2';
  }
  return 'none';
}

/**
 * Whether a memory limit can also cap swap here (cgroup v1 needs swap accounting in the kernel).
 * On v2 runc skips a zero swap allowance where the host has no swap controller, so it is safe to ask.
 */
export function swapLimitSupported(): boolean {
  switch (cgroupSupport()) {
    case 'v1':
      return existsSync(join(ROOT, 'memory', ownV1Path('memory'), 'memory.memsw.limit_in_bytes'));
    case 'v2':
      return true;
    default:
      return false;
  }
}

/** The kernel's count of OOM kills in one memory cgroup: memory.oom_control on v1, memory.events on v2. */
export async function oomKills(memoryDir: string, layout: 'v1' | 'v2'): Promise<number> {
  const file = join(memoryDir, layout === 'v1' ? 'memory.oom_control' : 'memory.events');
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Creates a cgroup with the limits, or returns null where the host offers no writable cgroups. */
export async function createCgroup(limits: CgroupLimits): Promise<Cgroup | null> {
  const name = `nimbus-${randomBytes(6).toString('hex')}`;
  try {
    switch (cgroupSupport()) {
      case 'v1':
        return await createV1(name, limits);
      case 'v2':
        return await createV2(name, limits);
      default:
        return null;
    }
  } catch {
    return null;
  }
}

async function readPids(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

async function createV1(name: string, limits: CgroupLimits): Promise<Cgroup> {
  const memory = join(ROOT, 'memory', ownV1Path('memory'), name);
  const pids = join(ROOT, 'pids', ownV1Path('pids'), name);
  await mkdir(memory);
  await mkdir(pids);
  if (limits.memoryBytes) {
    await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // Without swap accounting the limit could be dodged by swapping; where it exists, close it.
    if (existsSync(join(memory, 'memory.memsw.limit_in_bytes'))) {
      await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    }
  }
  if (limits.maxProcesses) await writeFile(join(pids, 'pids.max'), String(limits.maxProcesses));
  return {
    paths: [memory, pids],
    procsFiles: [join(memory, 'cgroup.procs'), join(pids, 'cgroup.procs')],
    pids: async () => [
      ...new Set([
        ...(await readPids(join(memory, 'cgroup.procs'))),
        ...(await readPids(join(pids, 'cgroup.procs'))),
      ]),
    ],
    oomKilled: async () => (await oomKills(memory, 'v1')) > 0,
    destroy: async () => {
      await rmdir(memory).catch(() => undefined);
      await rmdir(pids).catch(() => undefined);
    },
  };
}

async function createV2(name: string, limits: CgroupLimits): Promise<Cgroup> {
  const group = join(ROOT, ownV2Path(), name);
  await mkdir(group);
  if (limits.memoryBytes) {
    await writeFile(join(group, 'memory.max'), String(limits.memoryBytes));
    await writeFile(join(group, 'memory.swap.max'), '0').catch(() => undefined);
  }
  if (limits.maxProcesses) await writeFile(join(group, 'pids.max'), String(limits.maxProcesses));
  return {
    paths: [group],
    procsFiles: [join(group, 'cgroup.procs')],
    pids: () => readPids(join(group, 'cgroup.procs')),
    oomKilled: async () => (await oomKills(group, 'v2')) > 0,
    destroy: async () => {
      await rmdir(group).catch(() => undefined);
    },
  };
}
