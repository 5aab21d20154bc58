/**
 * The horizontal autoscaler's inputs and outputs (Kubernetes' HPA, with Knative's panic mode for
 * concurrency). Everything here is plain data: the orchestrator gathers it, `decideReplicas`
 * (pure) decides, and the orchestrator applies and keeps the returned history.
 */

/** Kubernetes' HPAScalingPolicy: at most `value` instances (Pods) or percent (Percent) per period. */
export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** Kubernetes' HPAScalingRules. */
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  /** Which policy wins when several allow different changes; Disabled forbids this direction. */
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

/** Kubernetes' HorizontalPodAutoscalerBehavior, every part filled in (see `resolveBehavior`). */
export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** What an app may set: any part left out takes Kubernetes' default. */
export interface BehaviorOverrides {
  scaleUp?: Partial<ScalingRules>;
  scaleDown?: Partial<ScalingRules>;
}

/** One instance as the CPU metric sees it. */
export interface InstanceCpu {
  ready: boolean;
  /** CPU used as a fraction of its request (1 = all of it), averaged over the CPU window; null when missing. */
  utilization: number | null;
}

/** The metrics an autoscaler targets, each optional. */
export interface MetricTargets {
  /** Per instance, as a fraction of the CPU request (0.7 for 70%). */
  cpuUtilization?: number;
  /** Requests in flight per instance. */
  concurrency?: number;
  /** Requests per second per instance. */
  rps?: number;
}

/**
 * The observed values. App-wide values are totals over all instances (what the routers saw);
 * null means there is no fresh data, and that metric then makes no recommendation.
 */
export interface MetricObservations {
  cpu: InstanceCpu[];
  /** Average requests in flight over the stable window (Knative: 60 s). */
  concurrencyStable: number | null;
  /** Average requests in flight over the panic window (Knative: 6 s). */
  concurrencyPanic: number | null;
  /** Requests per second over the stable window. */
  rps: number | null;
}

/** A recommendation made at `at` (ms since the epoch), for the stabilization windows. */
export interface Recommendation {
  at: number;
  replicas: number;
}

/** A change of replicas made at `at`, for the policies' periods. */
export interface ScaleEvent {
  at: number;
  /** New minus old replicas. */
  change: number;
}

/** What the autoscaler remembers between decisions (kept by the leader, in memory). */
export interface AutoscaleHistory {
  recommendations: Recommendation[];
  events: ScaleEvent[];
  /** Since when panic mode holds (ms), or null when not panicking. */
  panicSince: number | null;
  /** When the last decision was made (ms); null before the first. */
  observingSince: number | null;
}

export interface AutoscaleInput {
  now: number;
  /** The formation's replicas now (spec, as Kubernetes' HPA uses the scale subresource). */
  currentReplicas: number;
  /** Instances ready now. */
  readyReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  targets: MetricTargets;
  observed: MetricObservations;
  behavior: Behavior;
  history: AutoscaleHistory;
  /** Kubernetes' --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** Knative's panic threshold as a ratio of the target (2 for 200%). */
  panicThreshold: number;
  /** How long panic mode lasts once its condition stops holding (Knative: the stable window). */
  panicHoldMs: number;
}

/** Why a metric recommended what it did, for the event ("cpu 180% of 70% target on 2 ready → 6"). */
export interface MetricRecommendation {
  metric: 'cpu' | 'concurrency' | 'rps';
  replicas: number;
  /** The observed value: utilization fraction for cpu, per-instance average otherwise. */
  value: number;
  target: number;
  /** Instances whose values the computation used. */
  basedOn: number;
  panic?: boolean;
}

export interface AutoscaleDecision {
  /** Replicas to set (may equal currentReplicas). */
  replicas: number;
  /** The largest metric recommendation before windows, policies and bounds; null with no data. */
  recommended: number | null;
  metrics: MetricRecommendation[];
  /** What held the change back, if anything. */
  limitedBy: 'min' | 'max' | 'scaleUpPolicy' | 'scaleDownPolicy' | 'stabilization' | 'noData' | null;
  panic: boolean;
  /** A line for the event: "cpu 180% of 70% target on 2 ready → 6". */
  reason: string;
  /** The history to keep for the next decision (old entries dropped). */
  history: AutoscaleHistory;
}
