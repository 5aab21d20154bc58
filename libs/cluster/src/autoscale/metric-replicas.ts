import type { InstanceCpu } from './autoscale-types';

/** One metric's answer before windows, policies and bounds. */
export interface MetricEstimate {
  replicas: number;
  /** Utilization fraction for cpu; per-instance average for app-wide totals. */
  value: number;
  /** Instances the value is averaged over. */
  basedOn: number;
}

/**
 * Replica counts are small integers computed from floating ratios: 0.8 / 0.6 × 3 is
 * 4.000000000000001, which a bare ceil would turn into 5. Kubernetes sidesteps this with
 * integer percentages; we forgive the last bits instead.
 */
const EPSILON = 1e-9;
export const ceilCount = (value: number): number => Math.max(0, Math.ceil(value - EPSILON));

/** Kubernetes skips a change when the usage ratio is within the tolerance of 1 (boundary included). */
export const withinTolerance = (ratio: number, tolerance: number): boolean =>
  Math.abs(1 - ratio) <= tolerance + EPSILON;

/**
 * Kubernetes' replica calculator for a resource metric with a target utilization
 * (GetResourceReplicas). Ready instances with data give the usage ratio; instances without data
 * ("missing") and not-ready ones are set aside, then put back only to damp the change: on a
 * scale-down missing ones count as using all of their request (or the target, when it is above
 * 100%), on a scale-up missing and not-ready ones count as idle. If that reverses the direction or
 * lands within the tolerance, the count stays. Null when no ready instance has data: Kubernetes
 * then waits for fresh metrics rather than guess.
 */
export function cpuReplicas(
  current: number,
  instances: InstanceCpu[],
  target: number,
  tolerance: number,
): MetricEstimate | null {
  let readySum = 0;
  let ready = 0;
  let missing = 0;
  let unready = 0;
  for (const instance of instances) {
    if (!instance.ready) unready++;
    else if (instance.utilization === null) missing++;
    else {
      readySum += instance.utilization;
      ready++;
    }
  }
  if (ready === 0) return null;
  const mean = readySum / ready;
  const ratio = mean / target;
  const estimate = (replicas: number): MetricEstimate => ({ replicas, value: mean, basedOn: ready });

  const scaleUpWithUnready = unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    return estimate(withinTolerance(ratio, tolerance) ? current : ceilCount(ratio * ready));
  }

  let sum = readySum;
  let counted = ready;
  // At a ratio of exactly 1 Kubernetes leaves the missing instances out altogether.
  if (missing > 0 && ratio < 1) {
    sum += missing * Math.max(1, target);
    counted += missing;
  } else if (missing > 0 && ratio > 1) {
    counted += missing;
  }
  if (scaleUpWithUnready) counted += unready;

  const newRatio = sum / counted / target;
  const reversed = (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1);
  if (withinTolerance(newRatio, tolerance) || reversed) return estimate(current);
  const replicas = ceilCount(newRatio * counted);
  // Counting more instances than `current` can make a "scale down" propose more replicas.
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return estimate(current);
  return estimate(replicas);
}

/**
 * Kubernetes' rule for an app-wide total with a per-instance target (an external or object metric
 * with an AverageValue target, GetExternalPerPodMetricReplicas): usage ratio = total / (target ×
 * current); outside the tolerance, enough instances for the total. From zero instances any demand
 * asks for at least one. Null when there is no fresh observation.
 */
export function averageValueReplicas(
  current: number,
  total: number | null,
  target: number,
  tolerance: number,
): MetricEstimate | null {
  if (total === null) return null;
  const estimate = (replicas: number): MetricEstimate => ({
    replicas,
    value: total / Math.max(current, 1),
    basedOn: current,
  });
  if (current === 0) return estimate(total > 0 ? Math.max(1, ceilCount(total / target)) : 0);
  const ratio = total / (target * current);
  return estimate(withinTolerance(ratio, tolerance) ? current : ceilCount(total / target));
}
