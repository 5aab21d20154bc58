import type {
  AutoscaleDecision,
  AutoscaleHistory,
  AutoscaleInput,
  MetricRecommendation,
  Recommendation,
} from './autoscale-types';
import { averageValueReplicas, cpuReplicas, type MetricEstimate } from './metric-replicas';
import { nextPanicSince, panicReplicas } from './panic';
import { describeLimit, describeMetric } from './reason';
import { longestPeriodMs, longestWindowMs, scaleDownLimit, scaleUpLimit, stabilize } from './scaling-rules';

type LimitedBy = AutoscaleDecision['limitedBy'];

interface Outcome {
  replicas: number;
  limitedBy: LimitedBy;
  /** Whether `recommended` joins the stabilization history (Kubernetes skips it on errors). */
  record: boolean;
}

interface MetricResults {
  metrics: MetricRecommendation[];
  /** Metrics with a target but no fresh data. */
  missing: string[];
}

const hasTarget = (target: number | undefined): target is number => target !== undefined && target > 0;

/** Each targeted metric's recommendation (Kubernetes' replica calculator; Knative's in panic). */
function recommendMetrics(input: AutoscaleInput, panic: boolean): MetricResults {
  const { targets, observed, currentReplicas: current, tolerance } = input;
  const results: MetricResults = { metrics: [], missing: [] };
  const add = (
    metric: MetricRecommendation['metric'],
    target: number,
    estimate: MetricEstimate | null,
    inPanic = false,
  ) => {
    if (estimate) results.metrics.push({ metric, target, ...estimate, ...(inPanic && { panic: true }) });
    else results.missing.push(metric);
  };
  if (hasTarget(targets.cpuUtilization)) {
    add('cpu', targets.cpuUtilization, cpuReplicas(current, observed.cpu, targets.cpuUtilization, tolerance));
  }
  if (hasTarget(targets.concurrency)) {
    const target = targets.concurrency;
    // At zero every request is a burst the activator holds: size for the busier window.
    const atZero = current === 0 && observed.concurrencyPanic !== null;
    const stableTotal = atZero
      ? Math.max(observed.concurrencyStable ?? 0, observed.concurrencyPanic ?? 0)
      : observed.concurrencyStable;
    const stable = averageValueReplicas(current, stableTotal, target, tolerance);
    const estimate = panic
      ? panicReplicas(current, input.readyReplicas, observed.concurrencyPanic, target, stable)
      : stable;
    add('concurrency', target, estimate, panic);
  }
  if (hasTarget(targets.rps)) {
    add('rps', targets.rps, averageValueReplicas(current, observed.rps, targets.rps, tolerance));
  }
  return results;
}

/**
 * From zero instances. Kubernetes' HPA never scales from zero; Knative's activator scales
 * straight to the demand it holds. We do the latter: requests are waiting, so the windows and
 * rate policies (which exist to damp flapping between running counts) do not apply; the bounds do.
 * Without demand the count stays at zero (or rises to a minimum set above zero).
 */
function wake(input: AutoscaleInput, recommended: number | null, lower: number, upper: number): Outcome {
  if (recommended === null || recommended === 0) {
    if (input.minReplicas > 0)
      return { replicas: Math.min(input.minReplicas, upper), limitedBy: 'min', record: false };
    return { replicas: 0, limitedBy: recommended === null ? 'noData' : null, record: recommended !== null };
  }
  if (recommended > upper) return { replicas: upper, limitedBy: 'max', record: true };
  if (recommended < lower) return { replicas: lower, limitedBy: 'min', record: true };
  return { replicas: recommended, limitedBy: null, record: true };
}

/**
 * Kubernetes' normalizeDesiredReplicasWithBehaviors: stabilize, then hold the change within the
 * policies and the bounds. While panicking (Knative) the scale-up window and the scale-up rate
 * policies are skipped: "a 6 s window at 200% of target scales up at once", which the default
 * max(4, 100%) per 15 s would stretch over several periods for a large burst. A Disabled scale-up
 * still holds, and the count never drops during panic.
 */
function scaleRunning(
  input: AutoscaleInput,
  recommended: number,
  recommendations: Recommendation[],
  panic: boolean,
  lower: number,
  upper: number,
): Outcome {
  const { now, currentReplicas: current, behavior, history } = input;
  const stabilized = panic
    ? Math.max(current, recommended)
    : stabilize(current, recommended, recommendations, behavior, now);
  let limitedBy: LimitedBy = stabilized !== recommended ? 'stabilization' : null;
  let replicas = stabilized;
  if (stabilized > current) {
    const policyLimit =
      panic && behavior.scaleUp.selectPolicy !== 'Disabled'
        ? Infinity
        : Math.max(current, scaleUpLimit(current, history.events, behavior.scaleUp, now));
    const allowed = Math.min(upper, policyLimit);
    if (stabilized > allowed) {
      replicas = allowed;
      limitedBy = upper <= policyLimit ? 'max' : 'scaleUpPolicy';
    }
  } else if (stabilized < current) {
    const policyLimit = Math.min(current, scaleDownLimit(current, history.events, behavior.scaleDown, now));
    const allowed = Math.max(lower, policyLimit);
    if (stabilized < allowed) {
      replicas = allowed;
      limitedBy = lower >= policyLimit ? 'min' : 'scaleDownPolicy';
    }
  }
  return { replicas, limitedBy, record: true };
}

function nextHistory(
  input: AutoscaleInput,
  recommendations: Recommendation[],
  recommended: number | null,
  outcome: Outcome,
  panicSince: number | null,
): AutoscaleHistory {
  const { now, currentReplicas: current, behavior, history } = input;
  const windowCutoff = now - longestWindowMs(behavior);
  const periodCutoff = now - longestPeriodMs(behavior);
  const kept = recommendations.filter((recommendation) => recommendation.at > windowCutoff);
  if (outcome.record && recommended !== null) kept.push({ at: now, replicas: recommended });
  const events = history.events.filter((event) => event.at > periodCutoff);
  if (outcome.replicas !== current) events.push({ at: now, change: outcome.replicas - current });
  return { recommendations: kept, events, panicSince, observingSince: now };
}

/**
 * One horizontal autoscaler decision, pure: Kubernetes' HPA (each metric's replica calculator,
 * the largest recommendation wins, stabilization windows, rate policies, min/max) with Knative's
 * panic mode for concurrency and scale from zero on demand. The caller applies `replicas` and
 * keeps `history` for the next call. Never proposes fewer than max(minReplicas, 1) instances while
 * some run: going to zero is the idle rule's decision, not this one's.
 */
export function decideReplicas(input: AutoscaleInput): AutoscaleDecision {
  const { now, currentReplicas: current, history } = input;
  const lower = Math.max(input.minReplicas, 1);
  const upper = Math.max(input.maxReplicas, lower);
  const panicSince = nextPanicSince({
    now,
    panicSince: history.panicSince,
    concurrencyPanic: input.observed.concurrencyPanic,
    target: input.targets.concurrency,
    readyReplicas: input.readyReplicas,
    panicThreshold: input.panicThreshold,
    panicHoldMs: input.panicHoldMs,
  });
  const panic = panicSince !== null;
  const { metrics, missing } = recommendMetrics(input, panic);
  const recommended = metrics.length ? Math.max(...metrics.map((metric) => metric.replicas)) : null;
  // Kubernetes' recordInitialRecommendation: a fresh controller remembers the current count, so
  // a leader that just took over waits out the scale-down window before it shrinks anything.
  const recommendations =
    history.observingSince === null
      ? [...history.recommendations, { at: now, replicas: current }]
      : history.recommendations;

  let outcome: Outcome;
  if (current === 0) outcome = wake(input, recommended, lower, upper);
  // Out of bounds (the bounds changed): Kubernetes goes straight to the bound, metrics unread.
  else if (current > upper) outcome = { replicas: upper, limitedBy: 'max', record: false };
  else if (current < lower) outcome = { replicas: lower, limitedBy: 'min', record: false };
  // No data, or some missing while the rest would scale down: Kubernetes waits for fresh data.
  else if (recommended === null || (missing.length > 0 && recommended < current)) {
    outcome = { replicas: current, limitedBy: 'noData', record: false };
  } else outcome = scaleRunning(input, recommended, recommendations, panic, lower, upper);

  const winner = metrics.find((metric) => metric.replicas === recommended);
  const limit = describeLimit({
    limitedBy: outcome.limitedBy,
    replicas: outcome.replicas,
    minReplicas: current === 0 ? input.minReplicas : lower,
    maxReplicas: upper,
    missingMetrics: missing,
  });
  const parts = [winner ? describeMetric(winner, input.tolerance) : `${current} instances`, limit];
  return {
    replicas: outcome.replicas,
    recommended,
    metrics,
    limitedBy: outcome.limitedBy,
    panic,
    reason: parts.filter((part) => part !== null).join(', '),
    history: nextHistory(input, recommendations, recommended, outcome, panicSince),
  };
}
