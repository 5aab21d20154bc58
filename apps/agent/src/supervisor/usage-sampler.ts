import type { InstanceStatus } from '@nimbus/cluster';
import { cpuCores, type CpuReading } from '../metrics/cpu-usage';
import type { Runtime, RuntimeHandle } from '../runtimes/runtime';
import type { InstanceStatusTracker } from './instance-status';

/** How often usage is reported while nothing else changes. */
const USAGE_EVERY_MS = 10_000;

/**
 * Samples an instance's CPU and memory for its status (what `ps` shows), at most every
 * USAGE_EVERY_MS; CPU is the rate since the last sample, in percent of one core. The per-second
 * metrics autoscaling uses are the node's InstanceMetricsReporter's, not these.
 */
export class UsageSampler {
  private lastUsage = 0;
  private previousCpu: CpuReading | null = null;

  /** Reports the instance's usage in its status when it is due (and the runtime can tell). */
  async report(runtime: Runtime, handle: RuntimeHandle, status: InstanceStatusTracker): Promise<void> {
    const usage = await this.sample(runtime, handle);
    if (usage) status.set({ usage }, true);
  }

  /** The usage to report now, or null when it is not due yet or the runtime could not tell. */
  private async sample(runtime: Runtime, handle: RuntimeHandle): Promise<InstanceStatus['usage']> {
    const now = Date.now();
    if (now - this.lastUsage < USAGE_EVERY_MS) return null;
    this.lastUsage = now;
    const stats = await runtime.stats(handle).catch(() => null);
    if (!stats) return null;
    const previous = this.previousCpu;
    this.previousCpu = { cpuSeconds: stats.cpuSeconds, at: now };
    const cpuPercent = previous ? (cpuCores(previous, this.previousCpu) ?? 0) * 100 : 0;
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes: stats.memoryBytes };
  }
}
