import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cgroupSupport, createCgroup, ownV1Path } from '@nimbus/sandbox';
import type { CgroupPaths } from './cgroup-files';

export interface InstanceLimits {
  memoryBytes: number;
  maxProcesses: number;
  /** CPUs' worth of time (0.5, 2); 0 leaves CPU unlimited. */
  cpus: number;
}

const V1_ROOT = '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;

/**
 * Cgroups for one process-runtime instance: memory and pids from the sandbox's cgroups (which
 * also close the swap loophole), plus CPU quota and accounting where the host lets us. Null where
 * the host has no writable cgroups: the instance then runs without limits.
 */
export async function createProcessCgroup(
  limits: InstanceLimits,
): Promise<{ paths: CgroupPaths; procsFiles: string[] } | null> {
  const cgroup = await createCgroup({ memoryBytes: limits.memoryBytes, maxProcesses: limits.maxProcesses });
  if (!cgroup) return null;
  const procsFiles = [...cgroup.procsFiles];
  if (cgroupSupport() === 'v2') {
    const unified = cgroup.paths[0] as string;
    // Writable only where the parent delegates the cpu controller; without it, CPU is unlimited.
    if (limits.cpus > 0) await setCpuQuota({ unified }, limits.cpus);
    return { paths: { unified }, procsFiles };
  }
  const [memory, pids] = cgroup.paths as [string, string];
  const paths: CgroupPaths = { memory, pids };
  const name = basename(memory);
  try {
    const cpu = join(V1_ROOT, 'cpu', ownV1Path('cpu'), name);
    await mkdir(cpu);
    paths.cpu = cpu;
    procsFiles.push(join(cpu, 'cgroup.procs'));
    if (limits.cpus > 0) {
      await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await setCpuQuota({ cpu }, limits.cpus);
    }
    // Often co-mounted with cpu (then this is the same directory, already there).
    const cpuacct = join(V1_ROOT, 'cpuacct', ownV1Path('cpuacct'), name);
    await mkdir(cpuacct, { recursive: true });
    paths.cpuacct = cpuacct;
    procsFiles.push(join(cpuacct, 'cgroup.procs'));
  } catch {
    // No cpu hierarchy of our own here: memory and pids limits still hold; CPU is measured from /proc.
  }
  return { paths, procsFiles: [...new Set(procsFiles)] };
}

/**
 * Sets the CPU quota of an instance's cgroup (`cpus` CPUs' worth per period). On v2 it is
 * writable only where the parent delegates the cpu controller; without it, CPU stays unlimited.
 */
export async function setCpuQuota(paths: CgroupPaths, cpus: number): Promise<void> {
  if (paths.unified)
    await writeFile(join(paths.unified, 'cpu.max'), `${quota(cpus)} ${CPU_PERIOD_US}`).catch(() => undefined);
  else if (paths.cpu) await writeFile(join(paths.cpu, 'cpu.cfs_quota_us'), String(quota(cpus)));
}

function quota(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}
