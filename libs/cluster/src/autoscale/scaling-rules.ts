import type { Behavior, Recommendation, ScaleEvent, ScalingRules } from './autoscale-types';

const SECOND = 1000;

/**
 * Kubernetes' stabilization (stabilizeRecommendationWithBehaviors): a scale-up goes no higher
 * than the lowest recommendation in the scale-up window, a scale-down no lower than the highest
 * in the scale-down window; `recommended` itself is part of both. Entries count while strictly
 * younger than their window, so a window of 0 holds nothing back.
 */
export function stabilize(
  current: number,
  recommended: number,
  recommendations: Recommendation[],
  behavior: Behavior,
  now: number,
): number {
  const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * SECOND;
  const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * SECOND;
  let upLimit = recommended;
  let downLimit = recommended;
  for (const { at, replicas } of recommendations) {
    if (at > upCutoff && replicas < upLimit) upLimit = replicas;
    if (at > downCutoff && replicas > downLimit) downLimit = replicas;
  }
  return Math.min(Math.max(current, upLimit), downLimit);
}

/** The replicas there were when each policy's period began: now's, minus what changed since. */
function periodStartReplicas(
  current: number,
  events: ScaleEvent[],
  periodSeconds: number,
  now: number,
): number {
  const cutoff = now - periodSeconds * SECOND;
  let start = current;
  for (const { at, change } of events) if (at > cutoff) start -= change;
  return start;
}

/**
 * The most replicas the scale-up policies allow now (calculateScaleUpLimitWithScalingRules):
 * each policy proposes its allowance on top of the replicas at the start of its period (Percent
 * rounded up, so that a small count still grows), and selectPolicy takes the largest (Max) or the
 * smallest (Min); Disabled allows nothing. May be below `current` while earlier scale-ups fill the
 * period; the caller then holds.
 */
export function scaleUpLimit(
  current: number,
  events: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((policy) => {
    const start = periodStartReplicas(current, events, policy.periodSeconds, now);
    return policy.type === 'Pods' ? start + policy.value : Math.ceil((start * (100 + policy.value)) / 100);
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/**
 * The fewest replicas the scale-down policies allow now (calculateScaleDownLimitWithBehaviors):
 * each policy proposes the replicas at the start of its period minus its allowance (Percent
 * rounded so that the removal is rounded up, as Kubernetes truncates), and selectPolicy takes the
 * biggest change (Max: the lowest count) or the smallest (Min); Disabled allows nothing.
 */
export function scaleDownLimit(
  current: number,
  events: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((policy) => {
    const start = periodStartReplicas(current, events, policy.periodSeconds, now);
    return policy.type === 'Pods' ? start - policy.value : Math.trunc((start * (100 - policy.value)) / 100);
  });
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}

/** The longest stabilization window, in ms: older recommendations cannot matter. */
export function longestWindowMs(behavior: Behavior): number {
  return (
    Math.max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds) *
    SECOND
  );
}

/** The longest policy period of either direction, in ms: both directions read every event. */
export function longestPeriodMs(behavior: Behavior): number {
  const periods = [...behavior.scaleUp.policies, ...behavior.scaleDown.policies].map((p) => p.periodSeconds);
  return Math.max(0, ...periods) * SECOND;
}
