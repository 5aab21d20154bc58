import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Logger } from '@nimbus/logging';
import { LOGGER } from '../infra/logger.token';
import { RedisService } from '../infra/redis.service';
import { TrackedKey } from '../infra/tracked-key';

/** A backstop: nothing is served from the cache longer than this, whatever the epoch says. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  epoch: string;
  value: unknown;
}

/**
 * Remembers authentication and authorization facts (who a token is, a member's role, which
 * namespace a name means) so most requests need no database round trip for them.
 *
 * Correctness rests on one Redis value, the epoch: every change that can alter what someone may
 * do (revoking a token, changing a membership, creating or deleting a tenant or namespace)
 * replaces it after committing, and an entry is served only while the epoch it was read under is
 * still current. Every request checks the epoch, and Redis tells each gateway of a new one (client
 * tracking, tracked-key.ts) before it answers the change's writer, so a revocation takes effect on
 * the very next request on every gateway without a round trip to Redis per request. Epochs are
 * random and never reused, so a Redis that restarts empty cannot revive old entries; while Redis
 * does not answer, nothing is served from the cache.
 */
@Injectable()
export class AuthCacheService implements OnModuleDestroy {
  private readonly entries = new LRUCache<string, Entry>({ max: MAX_ENTRIES, ttl: MAX_AGE_MS });
  private readonly epochKey: string;
  private readonly trackedEpoch: TrackedKey;

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.epochKey = `${redis.prefix}auth:epoch`;
    this.trackedEpoch = new TrackedKey(redis.client, this.epochKey, logger);
  }

  /** The current epoch, or null when it cannot be read (the cache is then bypassed). */
  async epoch(): Promise<string | null> {
    const known = this.trackedEpoch.current();
    if (known !== null) return known;
    const generation = this.trackedEpoch.mark();
    const read = await this.readEpoch();
    if (read !== null) this.trackedEpoch.remember(read, generation);
    return read;
  }

  onModuleDestroy(): void {
    this.trackedEpoch.close();
  }

  private async readEpoch(): Promise<string | null> {
    try {
      const current = await this.redis.client.get(this.epochKey);
      if (current) return current;
      await this.redis.client.set(this.epochKey, randomUUID(), 'NX');
      return await this.redis.client.get(this.epochKey);
    } catch {
      return null;
    }
  }

  /**
   * The cached value for `key` if it was read under `epoch`, else `load()`'s, remembered. The
   * epoch must be read before `load` runs, so a change committed meanwhile invalidates the result.
   */
  async remember<T>(key: string, epoch: string | null, load: () => Promise<T>): Promise<T> {
    if (epoch !== null) {
      const hit = this.entries.get(key);
      if (hit && hit.epoch === epoch) return hit.value as T;
    }
    const value = await load();
    if (epoch !== null) this.entries.set(key, { epoch, value });
    return value;
  }

  /** Waits for a change to who may do what to commit, then invalidates every gateway's cache. */
  async invalidating<T>(commit: Promise<T>): Promise<T> {
    const result = await commit;
    await this.invalidate();
    return result;
  }

  async invalidate(): Promise<void> {
    this.entries.clear();
    try {
      await this.redis.client.set(this.epochKey, randomUUID());
    } catch (error) {
      // Other gateways cannot read the epoch either while Redis is down, so they bypass their
      // caches; should Redis answer them again before it answers us, MAX_AGE_MS bounds staleness.
      this.logger.warn({ err: error }, 'could not advance the auth cache epoch');
    } finally {
      // Our own invalidation may be read after the reply: an epoch read meanwhile is not kept.
      this.trackedEpoch.forget();
    }
  }
}
