import type { Redis } from 'ioredis';
import type { Logger } from '@nimbus/logging';

const INVALIDATIONS = '__redis__:invalidate';
/**
 * A value is trusted this long at most, then read again: a tracking connection that stalls
 * without closing (a network partition) would otherwise miss invalidations for as long as it does.
 */
const MAX_TRUST_MS = 1000;
/** After tracking could not be turned on (a Redis older than 6), it is tried again this much later. */
const RETRY_MS = 30_000;

export const trackingConnectionName = (key: string) => `tracking:${key}`;

/**
 * One Redis key's value, remembered in this process for as long as Redis says it has not changed:
 * a connection of its own turns on server-assisted client-side caching (`CLIENT TRACKING … BCAST
 * PREFIX key`, redirected to itself), so Redis sends it an invalidation for every write, delete,
 * expiry or flush of the key before it answers whoever made the change. While that connection is
 * down nothing is remembered, and every read goes to Redis.
 *
 * A read started before an invalidation is not remembered after it (the generation tells), so a
 * value is never older than the last invalidation this process has received.
 */
export class TrackedKey {
  private value: string | null = null;
  private readAt = 0;
  private generation = 0;
  private live = false;
  private connection: Redis | null = null;
  private retryAt = 0;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly logger: Logger,
  ) {}

  /** The remembered value, or null when it must be read from Redis. */
  current(): string | null {
    this.connect();
    return this.live && performance.now() - this.readAt < MAX_TRUST_MS ? this.value : null;
  }

  /** Where a read starts: hand it to {@link remember} with what was read. */
  mark(): number {
    return this.generation;
  }

  /** Remembers `value`, read from Redis after `mark` returned `generation`, unless it changed since. */
  remember(value: string, generation: number): void {
    if (!this.live || generation !== this.generation) return;
    this.value = value;
    this.readAt = performance.now();
  }

  /** This process changed the key: its next read goes to Redis, whenever the invalidation comes. */
  forget(): void {
    this.generation++;
    this.value = null;
  }

  close(): void {
    this.connection?.disconnect();
    this.connection = null;
    this.live = false;
  }

  private connect(): void {
    if (this.connection || performance.now() < this.retryAt) return;
    // Subscribed again by hand on every connect: tracking must be turned on first, and RESP2 allows
    // no other command once the connection subscribes.
    const connection = this.client.duplicate({
      // What it is in CLIENT LIST.
      connectionName: trackingConnectionName(this.key),
      lazyConnect: false,
      autoResubscribe: false,
      enableOfflineQueue: true,
    });
    connection.on('ready', () => void this.track(connection));
    connection.on('close', () => {
      this.live = false;
      this.forget();
    });
    connection.on('message', (channel: string) => {
      if (channel === INVALIDATIONS) this.forget();
    });
    connection.on('error', (error) => this.logger.warn({ err: error, key: this.key }, 'key tracking error'));
    this.connection = connection;
  }

  private async track(connection: Redis): Promise<void> {
    try {
      const id = await connection.client('ID');
      await connection.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', this.key);
      await connection.subscribe(INVALIDATIONS);
      this.forget();
      this.live = true;
    } catch (error) {
      this.logger.warn({ err: error, key: this.key }, 'could not track a key; reading it every time');
      this.retryAt = performance.now() + RETRY_MS;
      if (this.connection === connection) this.close();
    }
  }
}
