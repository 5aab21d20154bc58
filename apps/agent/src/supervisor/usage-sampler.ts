import type { InstanceStatus } from '@nimbus/cluster';
import type { Runtime, RuntimeHandle } from '../runtimes/runtime';

/** How often usage is reported while nothing else changes. */
const USAGE_EVERY_MS = 10_000;

/** Samples an instance's CPU and memory, at most every USAGE_EVERY_MS; CPU is the rate since the last sample. */
export class UsageSampler {
  private lastUsage = 0;
  private previousCpu: { seconds: number; at: number } | null = null;

  /** The usage to report now, or null when it is not due yet or the runtime could not tell. */
  async sample(runtime: Runtime, handle: RuntimeHandle): Promise<InstanceStatus['usage']> {
    const now = Date.now();
    if (now - this.lastUsage < USAGE_EVERY_MS) return null;
    this.lastUsage = now;
    const stats = await runtime.stats(handle).catch(() => null);
    if (!stats) return null;
    const previous = this.previousCpu;
    this.previousCpu = { seconds: stats.cpuSeconds, at: now };
    const cpuPercent = previous
      ? Math.max(0, ((stats.cpuSeconds - previous.seconds) / ((now - previous.at) / 1000)) * 100)
      : 0;
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes: stats.memoryBytes };
  }
}
