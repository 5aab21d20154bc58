import type { ChainableCommander } from 'ioredis';
import { epochSecond, type MetricsKeys, secondInMinute, secondsByMinute } from './metrics-keys';
import type { ObservedMetrics, ObserveTarget, ObserveWindows } from './metrics-types';
import { ROUTED_PROCESS_TYPE } from './series-builder';

type Reply = (string | null)[];

type Sample = { cpu: number; memoryBytes: number };

/** Per epoch second, one app's summed router figures. */
type RoutedSeconds = Map<number, { concurrency: number; requests: number }>;

/**
 * The autoscaler's read for many apps as HMGETs queued on one pipeline (a command per app per
 * minute the windows span), then parsed once the pipeline has run.
 *
 * Router figures for a second arrive just after it ends, so their windows end with the last whole
 * second; instance samples are whole when written, so the CPU window includes the current second.
 */
export class ObserveQuery {
  private readonly cpuSeconds: Map<number, number[]>;
  private readonly routedSeconds: Map<number, number[]>;
  private readonly stableSeconds: number[];
  private readonly panicSeconds: number[];
  private readonly routedApps: string[];
  private readonly readers: ((reply: Reply) => void)[] = [];
  private readonly covered = new Set<number>();
  private readonly routed = new Map<string, RoutedSeconds>();
  private readonly samples = new Map<string, Map<string, Sample[]>>();

  constructor(
    private readonly keys: MetricsKeys,
    private readonly targets: ObserveTarget[],
    now: number,
    windows: ObserveWindows,
  ) {
    const nowSecond = epochSecond(now);
    const stable = secondsIn(windows.stableMs);
    const panic = secondsIn(windows.panicMs);
    this.cpuSeconds = secondsByMinute(nowSecond, secondsIn(windows.cpuMs));
    this.routedSeconds = secondsByMinute(nowSecond - 1, Math.max(stable, panic));
    const last = nowSecond - 1;
    this.stableSeconds = range(last - stable + 1, last);
    this.panicSeconds = range(last - panic + 1, last);
    this.routedApps = [
      ...new Set(targets.filter((t) => t.processType === ROUTED_PROCESS_TYPE).map((t) => t.appId)),
    ];
  }

  queue(pipeline: ChainableCommander): void {
    for (const [minute, seconds] of this.routedSeconds) {
      pipeline.hmget(this.keys.routerSeconds(minute), ...seconds.map((s) => String(secondInMinute(s))));
      this.readers.push((reply) =>
        seconds.forEach((s, i) => Number(reply[i] ?? 0) > 0 && this.covered.add(s)),
      );
    }
    for (const appId of this.routedApps) this.queueRouted(pipeline, appId);
    for (const target of this.targets) this.queueInstances(pipeline, target);
  }

  /** `replies` in the order queue() queued its commands. */
  read(replies: Reply[]): Map<string, ObservedMetrics> {
    replies.forEach((reply, i) => this.readers[i]?.(reply));
    const observed = new Map<string, ObservedMetrics>();
    for (const target of this.targets) {
      const routed = target.processType === ROUTED_PROCESS_TYPE ? this.routed.get(target.appId) : undefined;
      const stable = routed && this.average(routed, this.stableSeconds);
      const panic = routed && this.average(routed, this.panicSeconds);
      const samples =
        this.samples.get(`${target.appId}:${target.processType}`) ?? new Map<string, Sample[]>();
      const cpu = new Map<string, number | null>();
      const memoryBytes = new Map<string, number | null>();
      for (const instanceId of target.instanceIds) {
        const seen = samples.get(instanceId) ?? [];
        cpu.set(instanceId, mean(seen.map((s) => s.cpu)));
        memoryBytes.set(instanceId, mean(seen.map((s) => s.memoryBytes)));
      }
      observed.set(`${target.appId}:${target.processType}`, {
        cpu,
        memoryBytes,
        concurrencyStable: stable?.concurrency ?? null,
        concurrencyPanic: panic?.concurrency ?? null,
        rpsStable: stable?.rps ?? null,
      });
    }
    return observed;
  }

  private queueRouted(pipeline: ChainableCommander, appId: string): void {
    const perSecond: RoutedSeconds = new Map();
    this.routed.set(appId, perSecond);
    for (const [minute, seconds] of this.routedSeconds) {
      const fields = seconds.flatMap((s) => [
        `${secondInMinute(s)}:web:conc`,
        `${secondInMinute(s)}:web:req`,
      ]);
      pipeline.hmget(this.keys.app(appId, minute), ...fields);
      this.readers.push((reply) =>
        seconds.forEach((s, i) => {
          const concurrency = reply[2 * i];
          const requests = reply[2 * i + 1];
          if (concurrency == null && requests == null) return;
          perSecond.set(s, { concurrency: Number(concurrency ?? 0), requests: Number(requests ?? 0) });
        }),
      );
    }
  }

  private queueInstances(pipeline: ChainableCommander, target: ObserveTarget): void {
    if (target.instanceIds.length === 0) return;
    const perInstance = new Map<string, Sample[]>();
    this.samples.set(`${target.appId}:${target.processType}`, perInstance);
    for (const [minute, seconds] of this.cpuSeconds) {
      const fields = target.instanceIds.flatMap((id) => seconds.map((s) => `${id}:${secondInMinute(s)}`));
      pipeline.hmget(this.keys.instances(target.appId, minute), ...fields);
      this.readers.push((reply) =>
        fields.forEach((_, i) => {
          const value = reply[i];
          if (value == null) return;
          const [cpu, memoryBytes] = value.split(' ').map(Number);
          const id = target.instanceIds[Math.floor(i / seconds.length)] ?? '';
          const seen = perInstance.get(id) ?? [];
          seen.push({ cpu: cpu ?? 0, memoryBytes: memoryBytes ?? 0 });
          perInstance.set(id, seen);
        }),
      );
    }
  }

  /** Over the seconds some router reported in; null when none did (no data, not zero traffic). */
  private average(routed: RoutedSeconds, seconds: number[]): { concurrency: number; rps: number } | null {
    let covered = 0;
    let concurrency = 0;
    let requests = 0;
    for (const second of seconds) {
      const figures = routed.get(second);
      if (!figures && !this.covered.has(second)) continue;
      covered += 1;
      concurrency += figures?.concurrency ?? 0;
      requests += figures?.requests ?? 0;
    }
    return covered === 0 ? null : { concurrency: concurrency / covered, rps: requests / covered };
  }
}

const secondsIn = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}
