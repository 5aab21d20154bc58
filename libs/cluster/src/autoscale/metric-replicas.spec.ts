import type { InstanceCpu } from './autoscale-types';
import { averageValueReplicas, ceilCount, cpuReplicas } from './metric-replicas';

const ready = (utilization: number | null): InstanceCpu => ({ ready: true, utilization });
const unready = (utilization: number | null = null): InstanceCpu => ({ ready: false, utilization });
const times = (count: number, instance: InstanceCpu) => Array.from({ length: count }, () => instance);

describe(cpuReplicas.name, () => {
  // Kubernetes' HPA documentation, "Algorithm details": 200m of a 100m target doubles, 50m halves,
  // and a ratio of 1.062 is within the default tolerance of 0.1.
  it.each([
    ['double the replicas at 200m of a 100m target', 3, times(3, ready(0.2)), 0.1, 6],
    ['halve the replicas at 50m of a 100m target', 4, times(4, ready(0.05)), 0.1, 2],
    ['keep the replicas at a ratio of 1.062 (within the tolerance)', 4, times(4, ready(0.1062)), 0.1, 4],
    ['keep the replicas at the tolerance boundary (77% of 70%)', 3, times(3, ready(0.77)), 0.7, 3],
    ['scale just past the tolerance boundary (78% of 70%)', 3, times(3, ready(0.78)), 0.7, 4],
    ['not round 80% of 60% on 3 (4.000000000000001) up to 5', 3, times(3, ready(0.8)), 0.6, 4],
  ])('should %s', (_, current, instances, target, expected) => {
    expect(cpuReplicas(current, instances, target, 0.1)?.replicas).toBe(expected);
  });

  // Kubernetes' replica_calculator_test.go cases (requests of 1 CPU, so m-values / 1000 = fraction).
  it.each([
    // TestReplicaCalcScaleUpUnreadyLessScale: unready count as idle on a scale-up.
    ['count not-ready instances as idle on a scale-up', 3, [unready(0.3), ready(0.5), ready(0.7)], 0.3, 4],
    // TestReplicaCalcScaleUpUnreadyNoScale: counting them reverses the direction → no change.
    [
      'keep the count when idle not-ready ones reverse a scale-up',
      3,
      [ready(0.4), unready(0.5), unready(0.7)],
      0.3,
      3,
    ],
    // TestReplicaCalcMissingMetrics: missing count as 100% on a scale-down.
    [
      'count missing instances as fully used on a scale-down',
      4,
      [ready(0.4), ready(0.095), ready(null), ready(null)],
      1,
      3,
    ],
    // TestReplicaCalcMissingMetricsNoChangeEq / Gt / Lt.
    ['keep the count at a ratio of exactly 1 with a missing instance', 2, [ready(1), ready(null)], 1, 2],
    [
      'keep the count when a missing idle instance damps a scale-up into the tolerance',
      2,
      [ready(1.9), ready(null)],
      1,
      2,
    ],
    ['keep the count when a missing busy instance damps a scale-down', 2, [ready(0.6), ready(null)], 1, 2],
    // TestReplicaCalcMissingMetricsUnreadyChange: damped scale-down turns into a scale-up → no change.
    [
      'keep the count when damping reverses a scale-down',
      3,
      [unready(0.1), ready(0.45), ready(null)],
      0.5,
      3,
    ],
    // TestReplicaCalcMissingMetricsUnreadyScaleUp.
    ['scale up less with missing and not-ready instances', 3, [unready(0.1), ready(2), ready(null)], 0.5, 4],
    // TestReplicaCalcMissingMetricsUnreadyScaleDown: not-ready instances are ignored on a scale-down.
    [
      'ignore not-ready instances on a scale-down',
      4,
      [unready(0.1), ready(0.1), ready(0.1), ready(null)],
      0.5,
      3,
    ],
    // TestReplicaCalcDuringRollingUpdateWithMaxSurge: more instances than replicas must not scale up.
    [
      'not scale up a scale-down because a surge counts more instances',
      2,
      [ready(0.1), ready(0.1), ready(null)],
      0.5,
      2,
    ],
  ])('should %s', (_, current, instances, target, expected) => {
    expect(cpuReplicas(current, instances, target, 0.1)?.replicas).toBe(expected);
  });

  it('should count missing instances at the target when it is above 100% on a scale-down', () => {
    // Ready mean 90% of a 150% target; the missing one at 150% gives ceil(0.73 × 3) = 3, where
    // counting it at 100% of its request would give ceil(0.62 × 3) = 2.
    const instances = [ready(0.9), ready(0.9), ready(null)];
    expect(cpuReplicas(3, instances, 1.5, 0.1)?.replicas).toBe(3);
  });

  it('should report the ready instances\u2019 mean and how many there were', () => {
    expect(cpuReplicas(3, [ready(1.8), ready(1.8), unready(null)], 0.7, 0.1)).toEqual({
      replicas: 6,
      value: 1.8,
      basedOn: 2,
    });
  });

  it('should make no recommendation without a ready instance with data', () => {
    expect(cpuReplicas(2, [unready(0.9), ready(null)], 0.7, 0.1)).toBeNull();
    expect(cpuReplicas(0, [], 0.7, 0.1)).toBeNull();
  });
});

describe(averageValueReplicas.name, () => {
  it.each([
    ['scale to the total over the per-instance target', 2, 120, 50, 3],
    // TestReplicaCalcTolerancePerPodCMExternal: 8600 over 3 × 2900 is within the tolerance.
    ['keep the count within the tolerance', 3, 8600, 2900, 3],
    ['scale down to the total', 4, 30, 50, 1],
    ['ask for none when nothing comes in', 3, 0, 50, 0],
    ['stay at zero without demand', 0, 0, 50, 0],
    ['ask for one instance at zero for the first request', 0, 1, 50, 1],
    ['ask for enough instances at zero for a burst', 0, 120, 50, 3],
  ])('should %s', (_, current, total, target, expected) => {
    expect(averageValueReplicas(current, total, target, 0.1)?.replicas).toBe(expected);
  });

  it('should report the per-instance average', () => {
    expect(averageValueReplicas(2, 120, 50, 0.1)).toEqual({ replicas: 3, value: 60, basedOn: 2 });
  });

  it('should make no recommendation without an observation', () => {
    expect(averageValueReplicas(2, null, 50, 0.1)).toBeNull();
  });
});

describe(ceilCount.name, () => {
  it('should forgive floating-point noise but not a real fraction', () => {
    expect(ceilCount((0.8 / 0.6) * 3)).toBe(4);
    expect(ceilCount(4.01)).toBe(5);
    expect(ceilCount(-0.5)).toBe(0);
  });
});
