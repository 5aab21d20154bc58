import { Injectable } from '@nestjs/common';
import { appLogKey } from '@nimbus/cluster';
import { RedisService } from '../infra/redis.service';

export interface LogLine {
  id: string;
  at: string;
  type: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogFilter {
  type?: string | undefined;
  instance?: string | undefined;
}

/** Entries read per round trip when filtering: the app's stream mixes every process type. */
const SCAN_BATCH = 1000;

/** An app's log stream (Redis Streams, capped per app): recent lines, and a live tail. */
@Injectable()
export class AppLogsService {
  constructor(private readonly redis: RedisService) {}

  /** The last `num` lines that pass the filter, oldest first. */
  async recent(appId: string, num: number, filter: LogFilter): Promise<LogLine[]> {
    const key = appLogKey(this.redis.prefix, appId);
    const found: LogLine[] = [];
    let end = '+';
    while (found.length < num) {
      const entries = await this.redis.client.xrevrange(key, end, '-', 'COUNT', SCAN_BATCH);
      for (const [id, fields] of entries) {
        const line = toLine(id, fields);
        if (line && matches(line, filter)) found.push(line);
        if (found.length === num) break;
      }
      if (entries.length < SCAN_BATCH) break;
      end = `(${entries.at(-1)![0]}`;
    }
    return found.reverse();
  }

  /** The stream's newest id now: a follower starting here sees only what comes after. */
  async cursor(appId: string): Promise<string> {
    const [last] = await this.redis.client.xrevrange(
      appLogKey(this.redis.prefix, appId),
      '+',
      '-',
      'COUNT',
      1,
    );
    return last?.[0] ?? '0-0';
  }

  /**
   * Lines after `after` as they arrive, until `signal` aborts or `stillGoing` says stop (asked
   * whenever nothing arrived for `idleMs`). Blocking reads need a connection of their own.
   */
  async *follow(
    appId: string,
    after: string,
    filter: LogFilter,
    signal: AbortSignal,
    stillGoing: () => Promise<boolean> = async () => true,
    idleMs = 1000,
  ): AsyncGenerator<LogLine> {
    const key = appLogKey(this.redis.prefix, appId);
    const reader = this.redis.client.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    const abort = () => reader.disconnect();
    signal.addEventListener('abort', abort, { once: true });
    let cursor = after;
    try {
      while (!signal.aborted) {
        const batch = await reader
          .xread('COUNT', 500, 'BLOCK', idleMs, 'STREAMS', key, cursor)
          .catch(async () => {
            // Redis away: wait as long as an idle read would rather than spin.
            await new Promise((resolve) => setTimeout(resolve, idleMs));
            return null;
          });
        const entries = batch?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          cursor = id;
          const line = toLine(id, fields);
          if (line && matches(line, filter)) yield line;
        }
        if (!entries.length && !signal.aborted && !(await stillGoing())) return;
      }
    } finally {
      signal.removeEventListener('abort', abort);
      reader.disconnect();
    }
  }
}

function toLine(id: string, fields: string[]): LogLine | null {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2)
    record[fields[index] as string] = fields[index + 1] as string;
  if (record.line === undefined) return null;
  return {
    id,
    at: new Date(Number(record.at ?? Number.parseInt(id, 10))).toISOString(),
    type: record.type ?? 'unknown',
    instance: record.instance ?? '',
    stream: record.stream === 'stderr' ? 'stderr' : 'stdout',
    line: record.line,
  };
}

const matches = (line: LogLine, filter: LogFilter) =>
  (!filter.type || line.type === filter.type) && (!filter.instance || line.instance === filter.instance);
