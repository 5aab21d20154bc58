/** How often a starting instance is probed right after it starts. */
const FIRST_PERIOD_MS = 10;
/** How often once it has taken a while: readiness is still what a rollout waits for. */
const SETTLED_PERIOD_MS = 100;
/** The period doubles every this long after the start. */
const DOUBLING_MS = 1000;

/**
 * The wait before the next readiness probe of an instance started `sinceStartMs` ago. A small app
 * listens within tens of milliseconds, and a request held at zero waits for exactly that: probed
 * every 10 ms at first, it is found ready within 10 ms of listening. An app that takes longer is
 * probed less and less often (20, 40, 80 ms), down to every 100 ms from the fourth second, so a
 * burst of slow starts does not keep the agent busy connecting.
 */
export function readinessPeriod(sinceStartMs: number): number {
  const doublings = Math.floor(Math.max(0, sinceStartMs) / DOUBLING_MS);
  return Math.min(SETTLED_PERIOD_MS, FIRST_PERIOD_MS * 2 ** doublings);
}
