import { HttpStatus, Injectable } from '@nestjs/common';
import { FINISHED_PHASES } from '@nimbus/cluster';
import { FormationRepository, InstanceRepository, type App } from '@nimbus/db';
import { MetricsStore, type MetricPoint, type ProcessTypeSeries } from '@nimbus/metrics';
import type { TenantAccess } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import { metricsRange } from './metrics-range';

/** The router serves `web` only: it is the process type with traffic series. */
const ROUTED_TYPE = 'web';

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** Point values, scaled and rounded to what a chart can show. */
const values = (points: MetricPoint[], scale: number, digits: number) =>
  points.map((point) => round(point.value === null ? null : point.value * scale, digits));

/** An app's metrics over a recent window, per process type of its formation. */
@Injectable()
export class AppMetricsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly store: MetricsStore,
  ) {}

  async metrics(access: TenantAccess, app: App, window: { text: string; ms: number }, now = Date.now()) {
    const { from, to, stepMs } = metricsRange(window.ms, now);
    const db = this.prisma.client;
    const [formations, instances, series] = await Promise.all([
      new FormationRepository(db).list(access.scope, app.id),
      new InstanceRepository(db).listCurrent(access.scope, app.id, FINISHED_PHASES),
      this.store.series(app.id, from, to, stepMs).catch(() => {
        // The short windows live in Redis only: without it there is nothing to show, for now.
        throw new ProblemException(
          HttpStatus.SERVICE_UNAVAILABLE,
          'metrics/unavailable',
          'metrics cannot be read right now',
        );
      }),
    ]);
    const at = Array.from({ length: Math.ceil((to - from) / stepMs) }, (_, step) => from + step * stepMs);
    const types = formations
      .map((formation) => formation.processType)
      .sort((a, b) => (a === ROUTED_TYPE ? -1 : b === ROUTED_TYPE ? 1 : a.localeCompare(b)));
    return {
      window: window.text,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      stepSeconds: stepMs / 1000,
      at,
      processTypes: types.map((type) => {
        const found = series.processTypes.find((entry) => entry.processType === type);
        return {
          type,
          replicas: formations.find((formation) => formation.processType === type)?.replicas ?? 0,
          ready: instances.filter(
            (instance) =>
              instance.processType === type &&
              instance.kind === 'service' &&
              instance.ready &&
              instance.drainingSince === null,
          ).length,
          series: present(found ?? noData(type, at)),
        };
      }),
    };
  }
}

/** What the store would say of a type nothing reported for. */
function noData(processType: string, at: number[]): ProcessTypeSeries {
  const none = at.map((time) => ({ at: time, value: null }));
  const routed = processType === ROUTED_TYPE ? none : [];
  return {
    processType,
    cpu: none,
    memoryBytes: none,
    instances: none,
    ready: none,
    concurrency: routed,
    rps: routed,
    latencyP50Ms: routed,
    latencyP95Ms: routed,
  };
}

function present(series: ProcessTypeSeries) {
  return {
    cpuPercent: values(series.cpu, 100, 1),
    memoryMb: values(series.memoryBytes, 1 / 1_048_576, 1),
    instances: values(series.instances, 1, 1),
    ready: values(series.ready, 1, 1),
    concurrency: values(series.concurrency, 1, 2),
    rps: values(series.rps, 1, 2),
    latencyP50Ms: values(series.latencyP50Ms, 1, 1),
    latencyP95Ms: values(series.latencyP95Ms, 1, 1),
  };
}
