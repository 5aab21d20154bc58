import { createLogger } from '@nimbus/logging';
import { Registry } from 'prom-client';
import type { Runtime, RuntimeStats } from '../runtimes/runtime';
import { InstanceMetricsReporter } from './metrics-reporter';
import type { RunningInstance } from './running-instance';

function instance(id: string, cpuMillis: number, ready = true): RunningInstance {
  return {
    assignment: {
      instanceId: id,
      appId: 'app-1',
      app: { tenant: 'acme', namespace: 'prod', name: 'web' },
      processType: 'web',
      kind: 'service',
      resources: { cpuMillis, memoryMb: 256 },
      runtime: 'process',
    },
    handle: {
      instanceId: id,
      runtime: 'process',
      pid: 100,
      dir: '/x',
      stdoutPath: '/x/o',
      stderrPath: '/x/e',
    },
    ready,
  };
}

describe(InstanceMetricsReporter.name, () => {
  const stats = new Map<string, RuntimeStats>();
  const runtime = {
    kind: 'process',
    stats: (handle) => Promise.resolve(stats.get(handle.instanceId) ?? null),
  } as Pick<Runtime, 'kind' | 'stats'> as Runtime;
  let running: RunningInstance[];
  let registry: Registry;
  let reporter: InstanceMetricsReporter;

  beforeEach(() => {
    stats.clear();
    registry = new Registry();
    running = [instance('a', 1000), instance('b', 250, false)];
    reporter = new InstanceMetricsReporter({
      instances: () => running,
      runtimes: new Map([['process', runtime]]),
      send: () => Promise.resolve(),
      registry,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
  });

  it('should report each instance from its second reading, CPU as a fraction of its request', async () => {
    stats.set('a', { cpuSeconds: 1, memoryBytes: 1000 });
    stats.set('b', { cpuSeconds: 1, memoryBytes: 2000 });
    expect((await reporter.sample()).samples).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Both used ~0.1 s of CPU in ~0.2 s: half a core, of a 1000m and of a 250m request.
    stats.set('a', { cpuSeconds: 1.1, memoryBytes: 1500 });
    stats.set('b', { cpuSeconds: 1.1, memoryBytes: 2500 });
    const { samples, at } = await reporter.sample();
    expect(Math.abs(at - Date.now())).toBeLessThan(1000);
    expect(samples).toEqual([
      { instanceId: 'a', cpu: expect.any(Number) as number, memoryBytes: 1500, ready: true },
      { instanceId: 'b', cpu: expect.any(Number) as number, memoryBytes: 2500, ready: false },
    ]);
    const [a, b] = samples.map((sample) => sample.cpu) as [number, number];
    // At most half a core (the timer may fire late, never early), and b asked for a quarter of a's CPU.
    expect(a).toBeGreaterThan(0.2);
    expect(a).toBeLessThanOrEqual(0.51);
    expect(b / a).toBeCloseTo(4, 1);
    const text = await registry.metrics();
    expect(text).toMatch(
      /nimbus_instance_memory_bytes\{instance="b",app="acme\/prod\/web",process_type="web"\} 2500/,
    );
    expect(text).toMatch(
      /nimbus_instance_cpu_ratio\{instance="a",app="acme\/prod\/web",process_type="web"\} 0\.\d+/,
    );
  });

  it("should remove a stopped instance's series", async () => {
    stats.set('a', { cpuSeconds: 1, memoryBytes: 1000 });
    stats.set('b', { cpuSeconds: 1, memoryBytes: 2000 });
    await reporter.sample();
    running = [instance('a', 1000)];
    await reporter.sample();
    const text = await registry.metrics();
    expect(text).toContain('instance="a"');
    expect(text).not.toContain('instance="b"');
  });

  it('should not report one-offs', async () => {
    running = [{ ...instance('c', 1000), assignment: { ...instance('c', 1000).assignment, kind: 'oneoff' } }];
    stats.set('c', { cpuSeconds: 1, memoryBytes: 1000 });
    await reporter.sample();
    expect((await reporter.sample()).samples).toEqual([]);
  });
});
