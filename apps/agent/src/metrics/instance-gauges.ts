import { Gauge, type Registry } from 'prom-client';
import type { RunningInstance } from './running-instance';

type Labels = { instance: string; app: string; process_type: string };

/**
 * The node's per-instance Prometheus series. `app` is TENANT/NAMESPACE/APP, as people name it; an
 * instance's series go when it stops, so a node that ran many instances keeps no stale ones.
 */
export class InstanceGauges {
  private readonly cpu: Gauge<keyof Labels>;
  private readonly memory: Gauge<keyof Labels>;
  private readonly labels = new Map<string, Labels>();

  constructor(registry: Registry) {
    const labelNames = ['instance', 'app', 'process_type'] as const;
    this.cpu = new Gauge({
      name: 'nimbus_instance_cpu_ratio',
      help: "CPU used over the last second as a fraction of the instance's CPU request",
      labelNames,
      registers: [registry],
    });
    this.memory = new Gauge({
      name: 'nimbus_instance_memory_bytes',
      help: "The instance's memory working set (usage less inactive file cache)",
      labelNames,
      registers: [registry],
    });
  }

  set(instance: RunningInstance, cpu: number | null, memoryBytes: number): void {
    const { instanceId, app, processType } = instance.assignment;
    const labels = {
      instance: instanceId,
      app: `${app.tenant}/${app.namespace}/${app.name}`,
      process_type: processType,
    };
    this.labels.set(instanceId, labels);
    if (cpu !== null) this.cpu.set(labels, cpu);
    this.memory.set(labels, memoryBytes);
  }

  /** Removes the series of every instance not in `running`. */
  retain(running: Set<string>): void {
    for (const [id, labels] of this.labels) {
      if (running.has(id)) continue;
      this.labels.delete(id);
      this.cpu.remove(labels);
      this.memory.remove(labels);
    }
  }
}
