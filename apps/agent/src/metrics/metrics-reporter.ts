import { performance } from 'node:perf_hooks';
import type { InstanceMetricSample, InstanceMetricsBatch } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import type { Registry } from 'prom-client';
import type { Runtime } from '../runtimes/runtime';
import { cpuFraction, type CpuReading } from './cpu-usage';
import { InstanceGauges } from './instance-gauges';
import type { RunningInstance } from './running-instance';

/** Autoscaling decides on one-second resolution. */
const SAMPLE_EVERY_MS = 1000;
/** A gateway that cannot take metrics would otherwise be logged every second. */
const WARN_EVERY_MS = 30_000;

export interface MetricsReporterOptions {
  /** The node's instances whose process runs now. */
  instances(): RunningInstance[];
  runtimes: Map<string, Runtime>;
  /** Posts a batch to the control plane. */
  send(batch: InstanceMetricsBatch): Promise<void>;
  registry: Registry;
  logger: Logger;
  /** Between samples; tests shorten it. */
  everyMs?: number;
}

interface Previous {
  reading: CpuReading;
  /** The process (or container) the reading is of: a restarted instance's counter starts over. */
  process: string;
}

/**
 * Samples every running service instance of the node each second (CPU as a fraction of its
 * request, memory from its cgroup) into Prometheus gauges and one batch for the control plane.
 * Metrics may be lost: a batch the gateway does not take (or that would queue behind one still
 * in flight) is dropped, never retried, so a slow gateway never builds a backlog here.
 */
export class InstanceMetricsReporter {
  private readonly previous = new Map<string, Previous>();
  private readonly gauges: InstanceGauges;
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;
  private sending: Promise<void> | null = null;
  private lastWarning = -Infinity;

  constructor(private readonly options: MetricsReporterOptions) {
    this.gauges = new InstanceGauges(options.registry);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.everyMs ?? SAMPLE_EVERY_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sending;
  }

  /**
   * Reads every running instance once. An instance appears from its second reading on (a CPU
   * rate needs two), and not at all while its runtime cannot tell.
   */
  async sample(): Promise<InstanceMetricsBatch> {
    const instances = this.options.instances().filter((instance) => instance.assignment.kind === 'service');
    const at = Date.now();
    const samples = await Promise.all(instances.map((instance) => this.read(instance)));
    const running = new Set(instances.map((instance) => instance.assignment.instanceId));
    for (const id of this.previous.keys()) if (!running.has(id)) this.previous.delete(id);
    this.gauges.retain(running);
    return { at, samples: samples.filter((sample): sample is InstanceMetricSample => sample !== null) };
  }

  private async read(instance: RunningInstance): Promise<InstanceMetricSample | null> {
    const { instanceId, resources, runtime: kind } = instance.assignment;
    const stats = await this.options.runtimes
      .get(kind)
      ?.stats(instance.handle)
      .catch(() => null);
    if (!stats) return null;
    const reading = { cpuSeconds: stats.cpuSeconds, at: performance.now() };
    const process = String(instance.handle.pid ?? instance.handle.containerId ?? '');
    const previous = this.previous.get(instanceId);
    this.previous.set(instanceId, { reading, process });
    const cpu =
      previous && previous.process === process
        ? cpuFraction(previous.reading, reading, resources.cpuMillis)
        : null;
    this.gauges.set(instance, cpu, stats.memoryBytes);
    if (cpu === null) return null;
    return { instanceId, cpu, memoryBytes: stats.memoryBytes, ready: instance.ready };
  }

  private async tick(): Promise<void> {
    // A slow disk must not stack up reads: that second is skipped.
    if (this.sampling) return;
    this.sampling = true;
    try {
      const batch = await this.sample();
      if (batch.samples.length && !this.sending)
        this.sending = this.options
          .send(batch)
          .catch((error: unknown) => this.warn(error))
          .finally(() => {
            this.sending = null;
          });
    } catch (error) {
      this.warn(error);
    } finally {
      this.sampling = false;
    }
  }

  private warn(error: unknown): void {
    const now = performance.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.options.logger.warn(
      { err: error },
      'instance metrics not sent; they are dropped until it works again',
    );
  }
}
