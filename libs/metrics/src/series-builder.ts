import { emptyLatencyHistogram, latencyQuantile } from './latency';
import type { AppMetricSeries, MetricPoint, ProcessTypeSeries } from './metrics-types';

/** The routers' figures are about `web` only (the router serves nothing else). */
export const ROUTED_PROCESS_TYPE = 'web';

/** Sums over one step of one process type. */
interface StepSums {
  /** Seconds in which at least one instance reported. */
  instanceSeconds: number;
  cpu: number;
  memoryBytes: number;
  instances: number;
  ready: number;
  concurrency: number;
  requests: number;
  latency: number[];
  /** Seconds in which the app had router figures. */
  routedSeconds: Set<number>;
}

const newStep = (): StepSums => ({
  instanceSeconds: 0,
  cpu: 0,
  memoryBytes: 0,
  instances: 0,
  ready: 0,
  concurrency: 0,
  requests: 0,
  latency: emptyLatencyHistogram(),
  routedSeconds: new Set(),
});

/** One app-minute hash as HGETALL returned it. */
export interface MinuteHash {
  minute: number;
  fields: Record<string, string>;
}

/** Turns the app's minute hashes into one point per step over [from, to). */
export class SeriesBuilder {
  private readonly steps: number;
  private readonly byType = new Map<string, StepSums[]>();
  /** Per step, the epoch seconds in which some router reported (for any app). */
  private readonly coveredSeconds: Set<number>[];

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly stepMs: number,
  ) {
    this.steps = Math.ceil((to - from) / stepMs);
    this.coveredSeconds = Array.from({ length: this.steps }, () => new Set<number>());
  }

  addRouterCoverage(minute: number, fields: Record<string, string>): void {
    for (const [second, count] of Object.entries(fields)) {
      const epoch = minute * 60 + Number(second);
      const step = this.stepOf(epoch);
      if (step !== null && Number(count) > 0) this.coveredSeconds[step]?.add(epoch);
    }
  }

  addAppMinute({ minute, fields }: MinuteHash): void {
    for (const [field, raw] of Object.entries(fields)) {
      const first = field.indexOf(':');
      const last = field.lastIndexOf(':');
      if (first < 0 || last <= first) continue;
      const epoch = minute * 60 + Number(field.slice(0, first));
      const step = this.stepOf(epoch);
      if (step === null) continue;
      const sums = this.sumsFor(field.slice(first + 1, last), step);
      this.add(sums, field.slice(last + 1), Number(raw), epoch);
    }
  }

  build(): AppMetricSeries {
    const processTypes = [...this.byType.keys()]
      .sort((a, b) => (a === ROUTED_PROCESS_TYPE ? -1 : b === ROUTED_PROCESS_TYPE ? 1 : a.localeCompare(b)))
      .map((processType) => this.seriesOf(processType, this.byType.get(processType) ?? []));
    return { from: this.from, to: this.to, stepMs: this.stepMs, processTypes };
  }

  private add(sums: StepSums, figure: string, value: number, epoch: number): void {
    if (!Number.isFinite(value)) return;
    switch (figure) {
      case 'n':
        sums.instanceSeconds += 1;
        sums.instances += value;
        return;
      case 'cpu':
        sums.cpu += value;
        return;
      case 'mem':
        sums.memoryBytes += value;
        return;
      case 'ready':
        sums.ready += value;
        return;
      case 'conc':
        sums.concurrency += value;
        sums.routedSeconds.add(epoch);
        return;
      case 'req':
        sums.requests += value;
        sums.routedSeconds.add(epoch);
        return;
    }
    if (figure.startsWith('lat')) {
      const bucket = Number(figure.slice(3));
      if (bucket >= 0 && bucket < sums.latency.length)
        sums.latency[bucket] = (sums.latency[bucket] ?? 0) + value;
    }
  }

  private seriesOf(processType: string, steps: StepSums[]): ProcessTypeSeries {
    const points = (value: (sums: StepSums, step: number) => number | null): MetricPoint[] =>
      steps.map((sums, step) => ({ at: this.from + step * this.stepMs, value: value(sums, step) }));
    const perInstanceSecond = (pick: (sums: StepSums) => number) =>
      points((sums) => (sums.instanceSeconds === 0 ? null : pick(sums) / sums.instanceSeconds));
    const routed = processType === ROUTED_PROCESS_TYPE;
    // Averages run over the seconds some router reported in: a second no router covered is
    // unknown, a covered second without this app's figures had no traffic (zero).
    const perRoutedSecond = (pick: (sums: StepSums) => number) =>
      points((sums, step) => {
        const covered = new Set([...(this.coveredSeconds[step] ?? []), ...sums.routedSeconds]).size;
        return covered === 0 ? null : pick(sums) / covered;
      });
    return {
      processType,
      cpu: points((sums) => (sums.instances === 0 ? null : sums.cpu / sums.instances)),
      memoryBytes: perInstanceSecond((sums) => sums.memoryBytes),
      instances: perInstanceSecond((sums) => sums.instances),
      ready: perInstanceSecond((sums) => sums.ready),
      concurrency: routed ? perRoutedSecond((sums) => sums.concurrency) : [],
      rps: routed ? perRoutedSecond((sums) => sums.requests) : [],
      latencyP50Ms: routed ? points((sums) => latencyQuantile(sums.latency, 0.5)) : [],
      latencyP95Ms: routed ? points((sums) => latencyQuantile(sums.latency, 0.95)) : [],
    };
  }

  private sumsFor(processType: string, step: number): StepSums {
    let steps = this.byType.get(processType);
    if (!steps) {
      steps = Array.from({ length: this.steps }, newStep);
      this.byType.set(processType, steps);
    }
    return steps[step] ?? newStep();
  }

  private stepOf(epochSecond: number): number | null {
    const step = Math.floor((epochSecond * 1000 - this.from) / this.stepMs);
    return step >= 0 && step < this.steps ? step : null;
  }
}
