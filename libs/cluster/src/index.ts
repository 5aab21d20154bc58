export type {
  Assignment,
  AssignmentEvent,
  AssignmentList,
  InstancePhase,
  InstanceMetricSample,
  InstanceMetricsBatch,
  InstanceStatus,
  LeaseRenewal,
  LogEntry,
  NodeRegistration,
  Probe,
  RegisteredNode,
  RuntimeKind,
} from './agent-protocol';
export { FINISHED_PHASES, MAX_REPORTED_IMAGES } from './agent-protocol';
export { APP_LOG_MAX_LINES, appLogKey } from './channels';
export { publishWake, readWake, wakeChannel, wakeMessage, wakeSubscriptions } from './wake';
export type { OrchestratorWake, Wake, WakePublisher } from './wake';
export { certificatesKey } from './certificates';
export type { EdgeCertificate } from './certificates';
export { encodeAppEndpoints, endpointsKey } from './endpoints';
export type { AppEndpoints, Endpoint } from './endpoints';
export { DEMAND_TTL_MS, demandKey, readDemand, recordDemand } from './demand';
export { Scheduler } from './scheduler';
export type { NamespaceQuota, Placement, PlacementRequest, SchedulableNode } from './scheduler';
export { freshLeaseSince, leaseIsFresh, leaseTransition, nodeIsReady } from './node-readiness';
export type { LeasedNode } from './node-readiness';
export { planProcess, resolveBudget } from './rollout-plan';
export type { PlannedInstance, ProcessPlan, ProcessPlanInput } from './rollout-plan';
export { planReplicas } from './replica-plan';
export type {
  ReplicaFormation,
  ReplicaInstance,
  ReplicaPlan,
  ReplicaPlanInput,
  ServicesToCreate,
} from './replica-plan';
export { instanceIsAvailable, judgeRollout, rolloutIsComplete } from './rollout-status';
export type { RolloutJudgement, RolloutService, RolloutVerdict, ServingCandidate } from './rollout-status';
export { describeFailure, describeStall, failedInstance } from './rollout-health';
export type { RolloutInstance } from './rollout-health';
export { decideReplicas } from './autoscale/decide-replicas';
export { BEHAVIOR_LIMITS, DEFAULT_BEHAVIOR, behaviorProblems, resolveBehavior } from './autoscale/behavior';
export type {
  AutoscaleDecision,
  AutoscaleHistory,
  AutoscaleInput,
  Behavior,
  BehaviorOverrides,
  InstanceCpu,
  MetricObservations,
  MetricRecommendation,
  MetricTargets,
  Recommendation,
  ScaleEvent,
  ScalingPolicy,
  ScalingRules,
} from './autoscale/autoscale-types';
