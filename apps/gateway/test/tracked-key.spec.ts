import { Redis } from 'ioredis';
import { createLogger } from '@nimbus/logging';
import { createTestRedisPrefix, testEnvironment } from '@nimbus/testing';
import { TrackedKey, trackingConnectionName } from '../src/infra/tracked-key';

describe('a key tracked with Redis client tracking', () => {
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  const key = `${createTestRedisPrefix()}tracked`;
  let redis: Redis;
  let other: Redis;
  let tracked: TrackedKey;

  const eventually = async (check: () => boolean, what: string) => {
    for (const started = Date.now(); !check(); await new Promise((done) => setTimeout(done, 5)))
      if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
  };
  /** Reads the key as its owner does: from memory, else from Redis, remembered. */
  const read = async () => {
    const known = tracked.current();
    if (known !== null) return { value: known, fromMemory: true };
    const generation = tracked.mark();
    const value = (await redis.get(key))!;
    tracked.remember(value, generation);
    return { value, fromMemory: false };
  };
  const remembered = async (value: string) => {
    await eventually(() => tracked.current() === value, `${value} remembered`);
  };

  beforeEach(async () => {
    redis = new Redis(testEnvironment().TEST_REDIS_URL);
    other = new Redis(testEnvironment().TEST_REDIS_URL);
    await redis.set(key, 'one');
    tracked = new TrackedKey(redis, key, logger);
    tracked.current();
    // Reading until the tracking connection is live and the value kept.
    await eventually(() => {
      void read();
      return tracked.current() === 'one';
    }, 'tracking');
  });
  afterEach(async () => {
    tracked.close();
    await redis.del(key);
    redis.disconnect();
    other.disconnect();
  });

  it('should serve the value from memory until another client writes or deletes it', async () => {
    expect(await read()).toEqual({ value: 'one', fromMemory: true });
    await other.set(key, 'two');
    await eventually(() => tracked.current() === null, 'the write invalidating');
    expect(await read()).toEqual({ value: 'two', fromMemory: false });
    await remembered('two');
    await other.del(key);
    await eventually(() => tracked.current() === null, 'the delete invalidating');
  });

  it('should not keep a value read before an invalidation it receives', async () => {
    const generation = tracked.mark();
    await other.set(key, 'two');
    await eventually(() => tracked.current() === null, 'the write invalidating');
    tracked.remember('one', generation);
    expect(tracked.current()).toBeNull();
  });

  it('should forget on its own change, and read every time while the tracking connection is down', async () => {
    tracked.forget();
    expect(tracked.current()).toBeNull();
    await read();
    await remembered('one');
    const clients = (await other.client('LIST')) as string;
    const line = /id=(\d+) [^\n]* name=(\S+)/g;
    const tracker = [...clients.matchAll(line)].find((match) => match[2] === trackingConnectionName(key));
    await other.client('KILL', 'ID', tracker![1]!);
    await eventually(() => tracked.current() === null, 'the lost connection noticed');
    // Back once it has reconnected and turned tracking on again.
    await eventually(() => {
      void read();
      return tracked.current() === 'one';
    }, 'tracking again');
    await other.set(key, 'three');
    await eventually(() => tracked.current() === null, 'the write invalidating after the reconnect');
  });
});
