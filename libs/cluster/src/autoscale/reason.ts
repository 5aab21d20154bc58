import type { AutoscaleDecision, MetricRecommendation } from './autoscale-types';
import { withinTolerance } from './metric-replicas';

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
const amount = (value: number) => String(Number(value.toFixed(1)));

/**
 * One metric's part of an event line: "cpu 180% of 70% target on 2 ready → 6",
 * "concurrency 120 (60/instance) above 50 per instance on 2 → 3, panic".
 */
export function describeMetric(metric: MetricRecommendation, tolerance: number): string {
  const panic = metric.panic ? ', panic' : '';
  if (metric.metric === 'cpu') {
    return `cpu ${percent(metric.value)} of ${percent(metric.target)} target on ${metric.basedOn} ready → ${metric.replicas}${panic}`;
  }
  const total = metric.value * Math.max(metric.basedOn, 1);
  if (metric.basedOn === 0) {
    return `${metric.metric} ${amount(total)} at zero instances, target ${amount(metric.target)} per instance → ${metric.replicas}${panic}`;
  }
  const ratio = metric.value / metric.target;
  const relation = withinTolerance(ratio, tolerance) ? 'near' : ratio > 1 ? 'above' : 'below';
  return `${metric.metric} ${amount(total)} (${amount(metric.value)}/instance) ${relation} ${amount(metric.target)} per instance on ${metric.basedOn} → ${metric.replicas}${panic}`;
}

export interface LimitContext {
  limitedBy: AutoscaleDecision['limitedBy'];
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
  /** Why a decision held for want of data: which metrics had none. */
  missingMetrics: string[];
}

/** The clause appended when something held the change back, without its leading ", ". */
export function describeLimit(context: LimitContext): string | null {
  const { replicas } = context;
  switch (context.limitedBy) {
    case 'max':
      return `limited by max ${context.maxReplicas}`;
    case 'min':
      return `limited by min ${context.minReplicas}`;
    case 'scaleUpPolicy':
      return `limited to ${replicas} by the scale-up policy`;
    case 'scaleDownPolicy':
      return `limited to ${replicas} by the scale-down policy`;
    case 'stabilization':
      return `held at ${replicas} by the stabilization window`;
    case 'noData':
      return context.missingMetrics.length
        ? `held at ${replicas}: no fresh ${context.missingMetrics.join(', ')} data`
        : `held at ${replicas}: no fresh metrics`;
    default:
      return null;
  }
}
