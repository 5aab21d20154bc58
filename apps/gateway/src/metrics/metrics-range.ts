/** Charts read well with up to about this many points. */
const MAX_POINTS = 120;
/** Steps that read well on a time axis, in seconds. */
const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

export interface MetricsRange {
  from: number;
  to: number;
  stepMs: number;
}

/**
 * The steps for a window ending now: the smallest readable step giving at most MAX_POINTS, over
 * whole steps ending at the last second all reports have arrived for. The second in progress and
 * the one before are left out: an agent's or a router's figures for a second arrive just after it.
 */
export function metricsRange(windowMs: number, now: number): MetricsRange {
  const stepS = STEPS_S.find((step) => windowMs / (step * 1000) <= MAX_POINTS) ?? (STEPS_S.at(-1) as number);
  const stepMs = stepS * 1000;
  const to = (Math.floor(now / 1000) - 1) * 1000;
  return { from: to - Math.ceil(windowMs / stepMs) * stepMs, to, stepMs };
}
