import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupSupport } from './cgroups';
import { runInContainer } from './run-in-container';
import { findRunc } from './runc';

export interface ContainerSupport {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

// nobody:nogroup on Debian; any unprivileged id would do.
const PROBE_USER = { uid: 65534, gid: 65534 };

/**
 * The checks that need no container: a runc binary, root (Nimbus writes no rootless specs) and
 * cgroups for the limits. Synchronous, so a test file can decide at collection time.
 */
export function containerPreconditions(): ContainerSupport {
  if (!findRunc())
    return { available: false, reason: 'runc is not installed (not on PATH nor in /usr/sbin)' };
  if (process.getuid?.() !== 0)
    return { available: false, reason: 'runc needs root here: rootless specs are not generated' };
  if (cgroupSupport() === 'none')
    return { available: false, reason: 'no writable memory and pids cgroups for limits' };
  return { available: true };
}

let probed: Promise<ContainerSupport> | undefined;

/**
 * Whether runInContainer works on this host: the preconditions, then one tiny container with
 * limits, since root with runc can still be refused namespaces or cgroups (inside another
 * container, say). Checked once per process.
 */
export function containerSupport(): Promise<ContainerSupport> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<ContainerSupport> {
  const preconditions = containerPreconditions();
  if (!preconditions.available) return preconditions;
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-probe-'));
  try {
    const result = await runInContainer({
      command: ['true'],
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      limits: { timeoutMs: 10_000, memoryBytes: 64 * 1024 * 1024, maxProcesses: 16 },
      user: PROBE_USER,
      writable: [dir],
    });
    if (result.exitCode === 0) return { available: true };
    return {
      available: false,
      reason: `a probe container ended with ${result.exitCode ?? result.signal}${result.timedOut ? ' (timed out)' : ''}`,
    };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
