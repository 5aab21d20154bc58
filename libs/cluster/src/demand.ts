/**
 * Demand for an app at zero: each router writes how many requests its activator holds for the
 * app (one field per router, so routers never overwrite each other) and then sends a `demand`
 * wake-up; the orchestrator sums the fields to size the scale from zero.
 *
 * Each field carries the time it was written (`"<held> <epochMs>"`) and counts for DEMAND_TTL_MS
 * after it: the key's own TTL cannot drop one router's field while another router keeps renewing
 * the key, so without the time a router that died holding requests would count for as long as
 * anyone else holds requests for the app. A router holding requests writes its field again well
 * within DEMAND_TTL_MS. The key's TTL still removes the hash once no router writes to it.
 *
 * The times come from different hosts' clocks, so they are assumed to agree to well within
 * DEMAND_TTL_MS (NTP does); a time ahead of the reader's clock counts as fresh.
 */

export const DEMAND_TTL_MS = 10_000;

export const demandKey = (prefix: string, appId: string) => `${prefix}demand:${appId}`;

/** The Redis calls a router needs (ioredis' pipeline). */
export interface DemandWriter {
  hset(key: string, field: string, value: string): unknown;
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
  now = Date.now(),
): void {
  const key = demandKey(prefix, appId);
  if (held > 0) {
    redis.hset(key, routerId, `${held} ${Math.round(now)}`);
    redis.pexpire(key, DEMAND_TTL_MS);
  } else redis.hdel(key, routerId);
}

/** The requests held for an app across routers, from the hash's values, as of `now`. */
export function readDemand(values: readonly string[], now = Date.now()): number {
  let held = 0;
  for (const value of values) held += heldIn(value, now);
  return held;
}

/** `<held>` or `<held> <epochMs>`. */
const FIELD = /^(\d+)(?: (\d+))?$/;

/** What one field counts: 0 when stale or not understood. */
function heldIn(value: string, now: number): number {
  const match = FIELD.exec(value);
  if (!match) return 0;
  const [, held, writtenAt] = match;
  // A bare count is what a router from before the write times records, met during a rolling
  // upgrade: it counts, bounded only by the key's TTL as it always was.
  if (writtenAt === undefined || now - Number(writtenAt) < DEMAND_TTL_MS) return Number(held);
  return 0;
}
