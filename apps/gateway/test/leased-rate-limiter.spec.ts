import { Redis } from 'ioredis';
import { createTestRedisPrefix, freePort, testEnvironment } from '@nimbus/testing';
import { LeasedRateLimiter, RateLimited } from '../src/infra/leased-rate-limiter';

describe('a rate limit leased from Redis', () => {
  const prefix = `${createTestRedisPrefix()}ratelimit`;
  let redis: Redis;
  let other: Redis;

  const spend = async (limiter: LeasedRateLimiter, key: string, times: number) => {
    let allowed = 0;
    for (let i = 0; i < times; i++) {
      try {
        await limiter.consume(key);
        allowed++;
      } catch (error) {
        if (!(error instanceof RateLimited)) throw error;
      }
    }
    return allowed;
  };
  const takenInRedis = async (key: string) => Number(await redis.get(`${prefix}:${key}`));

  beforeAll(() => {
    redis = new Redis(testEnvironment().TEST_REDIS_URL);
    other = new Redis(testEnvironment().TEST_REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    other.disconnect();
  });

  it('should be exact for a small budget, say how long until the window ends, and refuse without Redis', async () => {
    const limiter = new LeasedRateLimiter(redis, prefix, 5, 60_000);
    expect((await limiter.consume('small')).remaining).toBe(4);
    expect(await spend(limiter, 'small', 5)).toBe(4);
    const refusal = await limiter.consume('small').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimited);
    expect((refusal as RateLimited).msBeforeNext).toBeGreaterThan(50_000);
    // The budget was spent: refused from memory, not asked of Redis again.
    expect(await takenInRedis('small')).toBe(5);
  });

  it('should go to Redis once per lease, for requests one after another and at once', async () => {
    const limiter = new LeasedRateLimiter(redis, prefix, 1000, 60_000);
    expect(await spend(limiter, 'busy', 25)).toBe(25);
    expect(await takenInRedis('busy')).toBe(30);
    await Promise.all(Array.from({ length: 50 }, () => limiter.consume('burst')));
    expect(await takenInRedis('burst')).toBe(50);
  });

  it('should share one budget between gateways, never granting more than it', async () => {
    const first = new LeasedRateLimiter(redis, prefix, 300, 60_000);
    const second = new LeasedRateLimiter(other, prefix, 300, 60_000);
    const allowed = (await Promise.all([spend(first, 'shared', 200), spend(second, 'shared', 200)])).reduce(
      (sum, count) => sum + count,
    );
    // A lease (3 points here) left unspent on one gateway is lost to the other.
    expect(allowed).toBeLessThanOrEqual(300);
    expect(allowed).toBeGreaterThanOrEqual(300 - 3);
    await expect(first.consume('shared')).rejects.toBeInstanceOf(RateLimited);
  });

  it('should budget in memory while Redis does not answer', async () => {
    const down = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const limiter = new LeasedRateLimiter(down, prefix, 3, 60_000);
    expect(await spend(limiter, 'outage', 4)).toBe(3);
    down.disconnect();
  });
});
