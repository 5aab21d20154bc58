import type { Behavior, BehaviorOverrides, ScalingPolicy, ScalingRules } from './autoscale-types';

const deepFreeze = <T extends object>(value: T): T => {
  for (const inner of Object.values(value)) if (inner && typeof inner === 'object') deepFreeze(inner);
  return Object.freeze(value);
};

/**
 * Kubernetes' default HorizontalPodAutoscalerBehavior: scale up at once by the larger of 4
 * instances or 100% per 15 s; scale down to the highest recommendation of the last 5 minutes, by
 * up to 100% per 15 s. Frozen: `resolveBehavior` hands out copies.
 */
export const DEFAULT_BEHAVIOR: Behavior = deepFreeze({
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  },
});

function resolveRules(defaults: ScalingRules, given: Partial<ScalingRules> | undefined): ScalingRules {
  // Kubernetes discards rules without a policy as invalid; an empty list means "the default" here.
  const policies = given?.policies?.length ? given.policies : defaults.policies;
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
    policies: policies.map((policy) => ({ ...policy })),
  };
}

/** The behaviour an app gets: what it set, merged field by field over Kubernetes' defaults. */
export function resolveBehavior(overrides?: BehaviorOverrides | null): Behavior {
  return {
    scaleUp: resolveRules(DEFAULT_BEHAVIOR.scaleUp, overrides?.scaleUp),
    scaleDown: resolveRules(DEFAULT_BEHAVIOR.scaleDown, overrides?.scaleDown),
  };
}

/** Kubernetes' validation limits for HPAScalingRules. */
export const BEHAVIOR_LIMITS = Object.freeze({
  maxStabilizationWindowSeconds: 3600,
  maxPeriodSeconds: 1800,
  /** Ours: Kubernetes sets none, but a few policies express every useful rule. */
  maxPolicies: 10,
});

const DIRECTIONS = ['scaleUp', 'scaleDown'] as const;
const RULE_FIELDS = ['stabilizationWindowSeconds', 'selectPolicy', 'policies'];
const POLICY_FIELDS = ['type', 'value', 'periodSeconds'];
const SELECT_POLICIES: ScalingRules['selectPolicy'][] = ['Max', 'Min', 'Disabled'];
const POLICY_TYPES: ScalingPolicy['type'][] = ['Pods', 'Percent'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(JSON.stringify(value)));
const isWhole = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function unknownFields(record: Record<string, unknown>, known: string[], path: string): string[] {
  return Object.keys(record)
    .filter((key) => !known.includes(key))
    .map((key) => `${path}.${key} is not a setting (expected one of ${known.join(', ')})`);
}

function policyProblems(policy: unknown, path: string): string[] {
  if (!isRecord(policy)) return [`${path} must be an object with type, value and periodSeconds`];
  const problems = unknownFields(policy, POLICY_FIELDS, path);
  if (!POLICY_TYPES.includes(policy.type as ScalingPolicy['type'])) {
    problems.push(`${path}.type must be "Pods" or "Percent" (got ${shown(policy.type)})`);
  }
  if (!isWhole(policy.value, 1, Number.MAX_SAFE_INTEGER)) {
    problems.push(`${path}.value must be a whole number above 0 (got ${shown(policy.value)})`);
  }
  if (!isWhole(policy.periodSeconds, 1, BEHAVIOR_LIMITS.maxPeriodSeconds)) {
    problems.push(
      `${path}.periodSeconds must be a whole number of seconds from 1 to ${BEHAVIOR_LIMITS.maxPeriodSeconds} (got ${shown(policy.periodSeconds)})`,
    );
  }
  return problems;
}

function rulesProblems(rules: unknown, path: string): string[] {
  if (!isRecord(rules))
    return [`${path} must be an object (stabilizationWindowSeconds, selectPolicy, policies)`];
  const problems = unknownFields(rules, RULE_FIELDS, path);
  const { stabilizationWindowSeconds: window, selectPolicy, policies } = rules;
  if (window !== undefined && !isWhole(window, 0, BEHAVIOR_LIMITS.maxStabilizationWindowSeconds)) {
    problems.push(
      `${path}.stabilizationWindowSeconds must be a whole number of seconds from 0 to ${BEHAVIOR_LIMITS.maxStabilizationWindowSeconds} (got ${shown(window)})`,
    );
  }
  if (selectPolicy !== undefined && !SELECT_POLICIES.includes(selectPolicy as ScalingRules['selectPolicy'])) {
    problems.push(`${path}.selectPolicy must be "Max", "Min" or "Disabled" (got ${shown(selectPolicy)})`);
  }
  if (policies !== undefined) {
    if (!Array.isArray(policies) || policies.length === 0 || policies.length > BEHAVIOR_LIMITS.maxPolicies) {
      problems.push(`${path}.policies must be a list of 1 to ${BEHAVIOR_LIMITS.maxPolicies} policies`);
    } else {
      policies.forEach((policy, i) => problems.push(...policyProblems(policy, `${path}.policies[${i}]`)));
    }
  }
  return problems;
}

/**
 * What is wrong with behaviour overrides as an API client sent them, one sentence each naming
 * the field (`behavior.scaleDown.policies[0].periodSeconds …`); empty when they are valid.
 * Absent (undefined or null) overrides are valid: the app gets the defaults.
 */
export function behaviorProblems(overrides: unknown): string[] {
  if (overrides === undefined || overrides === null) return [];
  if (!isRecord(overrides)) return ['behavior must be an object with scaleUp and/or scaleDown'];
  const problems = unknownFields(overrides, [...DIRECTIONS], 'behavior');
  for (const direction of DIRECTIONS) {
    if (overrides[direction] !== undefined) {
      problems.push(...rulesProblems(overrides[direction], `behavior.${direction}`));
    }
  }
  return problems;
}
