import type { AutoscaleHistory, InstanceCpu, MetricObservations, MetricTargets } from '@nimbus/cluster';
import type { Autoscaler, Instance } from '@nimbus/db';
import type { ObservedMetrics } from '@nimbus/metrics';

/**
 * Requests in flight one instance is sized for when a type scaled to zero has no concurrency
 * target: Knative's default container concurrency target.
 */
export const DEFAULT_WAKE_CONCURRENCY = 100;

export type ServingInstance = Pick<Instance, 'id' | 'ready' | 'readyAt'>;

/** What the autoscaler's settings ask for, in the maths' units. */
export function targetsOf(autoscaler: Autoscaler): MetricTargets {
  return {
    ...(autoscaler.targetCpuPercent !== null && { cpuUtilization: autoscaler.targetCpuPercent / 100 }),
    ...(autoscaler.targetConcurrency !== null && { concurrency: autoscaler.targetConcurrency }),
    ...(autoscaler.targetRps !== null && { rps: autoscaler.targetRps }),
  };
}

/**
 * The observations of one process type; no fresh data reads as nulls (no recommendation). An
 * instance's CPU counts as ready only once its whole CPU window lies after it became ready
 * (Kubernetes' cpuInitializationPeriod, shortened to the window): a boot, with its startup CPU
 * boost, is no load, and counted as load it would raise instances that raise more.
 */
export function observationsOf(
  instances: ServingInstance[],
  observed: ObservedMetrics | undefined,
  now: number,
  cpuWindowMs: number,
): MetricObservations {
  const cpu: InstanceCpu[] = instances.map((instance) => ({
    ready: instance.ready && instance.readyAt !== null && instance.readyAt.getTime() <= now - cpuWindowMs,
    utilization: observed?.cpu.get(instance.id) ?? null,
  }));
  return {
    cpu,
    concurrencyStable: observed?.concurrencyStable ?? null,
    concurrencyPanic: observed?.concurrencyPanic ?? null,
    rps: observed?.rpsStable ?? null,
  };
}

/** Demand of a type at zero: none at all. */
const NO_DEMAND: MetricObservations = { cpu: [], concurrencyStable: 0, concurrencyPanic: 0, rps: 0 };

/**
 * What a type scaled to zero for idleness is sized on: its windows still hold the requests from
 * before it went, which would wake it again at once, so only a request since then is demand.
 */
export function observationsAtZero(
  autoscaler: Pick<Autoscaler, 'scaledToZeroAt'>,
  lastActivity: number | null,
  observations: MetricObservations,
): MetricObservations {
  const idleSince = autoscaler.scaledToZeroAt?.getTime();
  if (idleSince === undefined || (lastActivity !== null && lastActivity > idleSince)) return observations;
  return NO_DEMAND;
}

/**
 * A type seen for the first time, or by a new leader (which lost its predecessor's memory):
 * `decideReplicas` starts it from a recommendation of what runs now (Kubernetes'
 * recordInitialRecommendation), so nothing is taken away before the scale-down window has passed.
 */
export const NO_HISTORY: AutoscaleHistory = {
  recommendations: [],
  events: [],
  panicSince: null,
  observingSince: null,
};

export interface IdleInput {
  now: number;
  autoscaler: Pick<Autoscaler, 'minReplicas' | 'processType' | 'idleTimeoutMs' | 'lastScaleAt' | 'updatedAt'>;
  currentReplicas: number;
  /** The app's last request (ms), null when none within the metrics' retention. */
  lastActivity: number | null;
  /** Whether any router reported lately: without them, idleness cannot be told from an outage. */
  routersReporting: boolean;
}

/**
 * Whether `web` has been idle long enough to go to zero: no request for the idle timeout, counted
 * from the last request, the last scale or the last change of the autoscaler, whichever is later
 * (a type just woken or just configured gets its whole timeout).
 */
export function idleFor(input: IdleInput): number | null {
  const { autoscaler, now } = input;
  if (autoscaler.minReplicas !== 0 || autoscaler.processType !== 'web') return null;
  if (input.currentReplicas === 0 || !input.routersReporting) return null;
  const since = Math.max(
    input.lastActivity ?? 0,
    autoscaler.lastScaleAt?.getTime() ?? 0,
    autoscaler.updatedAt.getTime(),
  );
  const idle = now - since;
  return idle >= autoscaler.idleTimeoutMs ? idle : null;
}

/**
 * How many instances requests held at zero need: enough for their concurrency at the target (a
 * burst raises several at once), at least one, at most the autoscaler's maximum.
 */
export function replicasForDemand(
  autoscaler: Pick<Autoscaler, 'targetConcurrency' | 'maxReplicas'>,
  held: number,
): number {
  const perInstance = autoscaler.targetConcurrency ?? DEFAULT_WAKE_CONCURRENCY;
  return Math.min(autoscaler.maxReplicas, Math.max(1, Math.ceil(held / perInstance)));
}
