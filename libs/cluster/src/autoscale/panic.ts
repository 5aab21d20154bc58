import { ceilCount, type MetricEstimate } from './metric-replicas';

export interface PanicInput {
  now: number;
  panicSince: number | null;
  concurrencyPanic: number | null;
  target: number | undefined;
  readyReplicas: number;
  panicThreshold: number;
  panicHoldMs: number;
}

/**
 * Knative's panic mode: when the short-window concurrency reaches `panicThreshold` × the target
 * on the ready instances, panic starts, and every further sync over the threshold restarts its
 * clock (`panicSince` is the last time the condition held). It ends once the condition has not
 * held for `panicHoldMs`. Without a fresh panic-window value the condition does not hold, so a
 * panic already under way runs out its hold rather than end early.
 */
export function nextPanicSince(input: PanicInput): number | null {
  const { now, panicSince, concurrencyPanic, target } = input;
  if (target !== undefined && target > 0 && concurrencyPanic !== null) {
    const perReady = concurrencyPanic / (target * Math.max(input.readyReplicas, 1));
    if (perReady >= input.panicThreshold) return now;
  }
  if (panicSince !== null && now - panicSince < input.panicHoldMs) return panicSince;
  return null;
}

/**
 * The concurrency recommendation while panicking (Knative): enough instances for the panic
 * window and for the stable one, never fewer than there are. Null when neither window has data.
 */
export function panicReplicas(
  current: number,
  readyReplicas: number,
  concurrencyPanic: number | null,
  target: number,
  stable: MetricEstimate | null,
): MetricEstimate | null {
  if (concurrencyPanic === null) return stable && { ...stable, replicas: Math.max(current, stable.replicas) };
  return {
    replicas: Math.max(current, ceilCount(concurrencyPanic / target), stable?.replicas ?? 0),
    value: concurrencyPanic / Math.max(readyReplicas, 1),
    basedOn: readyReplicas,
  };
}
