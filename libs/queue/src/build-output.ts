import type { Redis } from 'ioredis';

/** What a build's output stream carries: its lines, then one end marker. */
export type OutputEvent =
  { kind: 'line'; id: string; text: string } | { kind: 'end'; id: string; status: 'succeeded' | 'failed' };

/** Lines kept per build in Redis; older ones are trimmed (the whole output goes to Postgres). */
const MAX_LINES = 20_000;
/** How long a finished build's stream stays for late readers; Postgres keeps it for good. */
const RETENTION_SECONDS = 3600;

export interface FollowOptions {
  /** How long one blocking read waits before `stillRunning` is asked. */
  blockMs?: number;
  /** Asked when nothing arrived for `blockMs`: false ends the follow (the stream's writer is gone). */
  stillRunning?: () => Promise<boolean>;
  signal?: AbortSignal;
}

/**
 * Live build output as one Redis stream per build: the builder appends, any number of readers
 * (the pusher's terminal, `builds:output`, SSE) follow from wherever they start.
 */
export class BuildOutputStream {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(buildId: string): string {
    return `${this.prefix}build-output:${buildId}`;
  }

  async append(buildId: string, line: string): Promise<void> {
    await this.redis.xadd(this.key(buildId), 'MAXLEN', '~', MAX_LINES, '*', 'line', line);
  }

  async end(buildId: string, status: 'succeeded' | 'failed'): Promise<void> {
    await this.redis
      .multi()
      .xadd(this.key(buildId), '*', 'end', status)
      .expire(this.key(buildId), RETENTION_SECONDS)
      .exec();
  }

  /** The lines written so far. */
  async lines(buildId: string): Promise<string[]> {
    const entries = await this.redis.xrange(this.key(buildId), '-', '+');
    return entries.flatMap(([, fields]) => (fields[0] === 'line' ? [fields[1] ?? ''] : []));
  }

  /**
   * Yields the build's output from its start until its end marker. Blocking reads need a
   * connection of their own, so this opens one and closes it when done.
   */
  async *follow(buildId: string, options: FollowOptions = {}): AsyncGenerator<OutputEvent> {
    // The shared connection may be set to fail fast while disconnected; this one waits to connect.
    const reader = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    const abort = () => reader.disconnect();
    options.signal?.addEventListener('abort', abort, { once: true });
    let after = '0';
    try {
      while (!options.signal?.aborted) {
        const batch = await reader
          .xread('COUNT', 500, 'BLOCK', options.blockMs ?? 5000, 'STREAMS', this.key(buildId), after)
          .catch((error: unknown) => {
            if (options.signal?.aborted) return null;
            throw error;
          });
        const entries = batch?.[0]?.[1] ?? [];
        if (!entries.length) {
          if (options.signal?.aborted) return;
          if (options.stillRunning && !(await options.stillRunning())) return;
          continue;
        }
        for (const [id, fields] of entries) {
          after = id;
          const event = toEvent(id, fields);
          if (event) yield event;
          if (event?.kind === 'end') return;
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', abort);
      reader.disconnect();
    }
  }
}

function toEvent(id: string, fields: string[]): OutputEvent | null {
  const [name, value] = fields;
  if (name === 'line') return { kind: 'line', id, text: value ?? '' };
  if (name === 'end') return { kind: 'end', id, status: value === 'succeeded' ? 'succeeded' : 'failed' };
  return null;
}
