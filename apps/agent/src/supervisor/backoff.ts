const FIRST_MS = 1000;
const MAX_MS = 5 * 60_000;

/** Kubernetes' crash-loop back-off: 1 s after the first exit, doubling, at most 5 minutes. */
export function backoffDelay(restarts: number): number {
  return Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, restarts - 1));
}
