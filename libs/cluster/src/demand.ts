/**
 * Demand for an app at zero: each router writes how many requests its activator holds for the
 * app (one field per router, so routers never overwrite each other) and then sends a `demand`
 * wake-up; the orchestrator sums the fields to size the scale from zero. Fields expire with the
 * key, so a router that died holding requests stops counting after DEMAND_TTL_MS.
 */

export const DEMAND_TTL_MS = 10_000;

export const demandKey = (prefix: string, appId: string) => `${prefix}demand:${appId}`;

/** The Redis calls a router needs (ioredis' pipeline). */
export interface DemandWriter {
  hset(key: string, field: string, value: number): unknown;
  hdel(key: string, field: string): unknown;
  pexpire(key: string, ms: number): unknown;
}

/** Records `held` requests for `appId` from router `routerId` (0 removes its field). */
export function recordDemand(
  redis: DemandWriter,
  prefix: string,
  appId: string,
  routerId: string,
  held: number,
): void {
  const key = demandKey(prefix, appId);
  if (held > 0) {
    redis.hset(key, routerId, held);
    redis.pexpire(key, DEMAND_TTL_MS);
  } else redis.hdel(key, routerId);
}

/** The requests held for an app across routers, from the hash's values. */
export function readDemand(values: readonly string[]): number {
  let held = 0;
  for (const value of values) {
    const count = Number(value);
    if (Number.isFinite(count) && count > 0) held += count;
  }
  return held;
}
