import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** Points taken from Redis at once are at most this share of the budget… */
const LEASE_SHARE = 0.01;
/** …and at most this many: a lease left unspent at the window's end is lost to its key. */
const MAX_LEASE = 100;
const MAX_KEYS = 100_000;

/**
 * Takes up to ARGV[1] points of KEYS[1]'s budget of ARGV[3] for a window that ends ARGV[2] ms
 * after its first use: returns the points granted, the ms left in the window and the points left.
 */
const LEASE_SCRIPT = `
local want, budget = tonumber(ARGV[1]), tonumber(ARGV[3])
local used = redis.call('INCRBY', KEYS[1], want)
if used == want then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local granted = math.max(0, math.min(want, budget - (used - want)))
return { granted, redis.call('PTTL', KEYS[1]), math.max(0, budget - used) }`;

export interface Allowed {
  /** Points left in this window across every gateway, as far as this one knows. */
  remaining: number;
}

export class RateLimited extends Error {
  constructor(readonly msBeforeNext: number) {
    super('rate limited');
  }
}

interface Lease {
  points: number;
  /** Left in Redis for the window when the lease was taken: 0, and none is leased again. */
  leftInRedis: number;
  endsAt: number;
}

type LeaseRedis = Redis & {
  takeLease(key: string, want: number, windowMs: number, points: number): Promise<[number, number, number]>;
};

/**
 * A fixed-window budget per key shared by every gateway through Redis, taken from Redis in
 * leases of up to 1% of the budget (and at most 100 points) and spent in memory: a busy token
 * costs one Redis round trip per lease, not one per request. rate-limiter-flexible, which this
 * replaces for API tokens, goes to Redis on every consume and has no leasing mode. What a lease
 * leaves unspent when its window ends is lost: a token may get up to a lease less than its budget
 * per gateway it uses, never more. A budget below 100 points is leased a point at a time, which
 * is exact. While Redis does not answer, each gateway budgets in memory instead.
 */
export class LeasedRateLimiter {
  private readonly leases: LRUCache<string, Lease>;
  private readonly taking = new Map<string, Promise<void>>();
  private readonly leaseSize: number;
  private readonly insurance: RateLimiterMemory;
  private readonly redis: LeaseRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    readonly points: number,
    private readonly windowMs: number,
  ) {
    this.leaseSize = Math.max(1, Math.min(MAX_LEASE, Math.floor(points * LEASE_SHARE)));
    this.leases = new LRUCache({ max: MAX_KEYS, ttl: windowMs });
    this.insurance = new RateLimiterMemory({ points, duration: windowMs / 1000 });
    if (!('takeLease' in redis)) redis.defineCommand('takeLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
    this.redis = redis as LeaseRedis;
  }

  /** Spends a point of `key`'s budget; throws {@link RateLimited} when none is left. */
  async consume(key: string): Promise<Allowed> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && lease.endsAt > Date.now()) {
        if (lease.points > 0) {
          lease.points--;
          return { remaining: lease.leftInRedis + lease.points };
        }
        if (lease.leftInRedis === 0) throw new RateLimited(lease.endsAt - Date.now());
      }
      // One lease taken at a time per key: the requests that find it spent wait for it together.
      const pending = this.taking.get(key) ?? this.take(key);
      try {
        await pending;
      } catch {
        return this.consumeInMemory(key);
      }
    }
  }

  private take(key: string): Promise<void> {
    const taking = this.redis
      .takeLease(`${this.keyPrefix}:${key}`, this.leaseSize, this.windowMs, this.points)
      .then(([granted, ttl, leftInRedis]) => {
        const msLeft = ttl > 0 ? ttl : this.windowMs;
        this.leases.set(key, { points: granted, leftInRedis, endsAt: Date.now() + msLeft }, { ttl: msLeft });
      })
      .finally(() => this.taking.delete(key));
    this.taking.set(key, taking);
    return taking;
  }

  private async consumeInMemory(key: string): Promise<Allowed> {
    try {
      return { remaining: (await this.insurance.consume(key)).remainingPoints };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimited(rejection.msBeforeNext);
      throw rejection;
    }
  }
}
