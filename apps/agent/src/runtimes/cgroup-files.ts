import { readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { oomKills } from '@nimbus/sandbox';
import type { RuntimeStats } from './runtime';

/**
 * An instance's cgroup directories: one per controller on cgroup v1, one `unified` directory on
 * v2. Plain JSON, so the process runtime can keep them in the instance's directory, and the same
 * shape as runc's `cgroup_paths` (where v2's key is "").
 */
export interface CgroupPaths {
  memory?: string;
  pids?: string;
  cpu?: string;
  cpuacct?: string;
  unified?: string;
}

/**
 * From runc's state.json `cgroup_paths`. A hybrid host lists its (controller-less) unified
 * hierarchy under "" beside the v1 controllers; it is the instance's cgroup only on a pure v2 host.
 */
export function cgroupPathsOfRunc(paths: Record<string, string>): CgroupPaths {
  if (!paths.memory) return paths[''] ? { unified: paths[''] } : {};
  const result: CgroupPaths = {};
  for (const key of ['memory', 'pids', 'cpu', 'cpuacct'] as const) if (paths[key]) result[key] = paths[key];
  return result;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

function statField(text: string | null, key: string): number {
  return Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? 0);
}

/**
 * Memory as the kubelet counts it (the working set: usage less inactive file cache, which the
 * kernel reclaims before it OOM-kills) and CPU time, or null when the cgroup is gone.
 */
export async function cgroupUsage(paths: CgroupPaths): Promise<RuntimeStats | null> {
  if (paths.unified) {
    const current = await readText(join(paths.unified, 'memory.current'));
    if (current === null) return null;
    const memoryStat = await readText(join(paths.unified, 'memory.stat'));
    const cpuStat = await readText(join(paths.unified, 'cpu.stat'));
    return {
      memoryBytes: Math.max(0, Number(current) - statField(memoryStat, 'inactive_file')),
      cpuSeconds: statField(cpuStat, 'usage_usec') / 1e6,
    };
  }
  if (!paths.memory) return null;
  const usage = await readText(join(paths.memory, 'memory.usage_in_bytes'));
  if (usage === null) return null;
  const memoryStat = await readText(join(paths.memory, 'memory.stat'));
  const cpuNanos = paths.cpuacct ? await readText(join(paths.cpuacct, 'cpuacct.usage')) : null;
  return {
    memoryBytes: Math.max(0, Number(usage) - statField(memoryStat, 'total_inactive_file')),
    cpuSeconds: Number(cpuNanos ?? 0) / 1e9,
  };
}

/** Whether the kernel's OOM killer fired in the instance's memory cgroup. */
export async function cgroupOomKilled(paths: CgroupPaths): Promise<boolean> {
  if (paths.unified) return (await oomKills(paths.unified, 'v2')) > 0;
  if (paths.memory) return (await oomKills(paths.memory, 'v1')) > 0;
  return false;
}

/** Every process still in the instance's cgroups, wherever it moved in the process tree. */
export async function cgroupPids(paths: CgroupPaths): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of Object.values(paths)) {
    const text = await readText(join(dir, 'cgroup.procs'));
    for (const line of (text ?? '').split('\n')) if (line) pids.add(Number(line));
  }
  return [...pids];
}

/** Kills what is left in the cgroups and removes them (a cgroup with processes cannot be removed). */
export async function destroyCgroups(paths: CgroupPaths): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const pids = await cgroupPids(paths);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  // Co-mounted v1 controllers (cpu,cpuacct) can name one directory twice.
  for (const dir of new Set(Object.values(paths))) await rmdir(dir).catch(() => undefined);
}
