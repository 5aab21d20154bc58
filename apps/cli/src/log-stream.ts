import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { components } from '@nimbus/contracts';
import type { ApiSession } from './api';
import { CliError } from './errors';
import type { AppRef } from './scope';

export type Instance = components['schemas']['InstanceDto_Output'];

/** One line of an app's log, as `GET …/logs` returns it (its OpenAPI type says only "object"). */
export interface LogLine {
  at: string;
  type: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogQuery {
  num?: number;
  type?: string;
  instance?: string;
}

/** How following ended: the followed instance exited, or the user pressed Ctrl-C. */
export type FollowEnd = { ended: Instance } | { interrupted: true };

/** `2026-11-22T05:40:01.123Z web.1a2b3c4d: text`, as Heroku prints its log lines. */
export function formatLogLine(line: LogLine): string {
  return `${line.at} ${line.type}.${line.instance.slice(0, 8)}: ${line.line}`;
}

/** The last lines of an app's log, oldest first. */
export async function recentLogs(session: ApiSession, path: AppRef, query: LogQuery): Promise<LogLine[]> {
  const lines = await session.call((client) =>
    client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/logs', {
      params: { path, query },
    }),
  );
  return lines as unknown as LogLine[];
}

/**
 * Follows an app's log over server-sent events: `line` events, one log line each; following one
 * instance, an `end` event carries it once it has exited. Without `after`, the API first sends the
 * last `num` lines; with it, only lines after that stream position. Runs until the instance ends
 * or `signal` aborts (Ctrl-C); the stream closing before either is a failure.
 */
export async function followLogs(
  session: ApiSession,
  path: AppRef,
  query: LogQuery & { after?: string },
  signal: AbortSignal,
  onLine: (line: LogLine) => void,
): Promise<FollowEnd> {
  const { after, ...params } = query;
  let body: ReadableStream<Uint8Array> | null;
  try {
    body = await session.call((client) =>
      client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/logs', {
        params: { path, query: params },
        headers: { Accept: 'text/event-stream', ...(after ? { 'Last-Event-ID': after } : {}) },
        parseAs: 'stream',
        signal,
      }),
    );
  } catch (error) {
    if (signal.aborted) return { interrupted: true };
    throw error;
  }
  if (!body) throw new CliError(`the API sent no log stream for ${path.app}`);
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  try {
    for await (const event of events) {
      if (event.event === 'line') onLine(JSON.parse(event.data) as LogLine);
      else if (event.event === 'end') return { ended: JSON.parse(event.data) as Instance };
    }
  } catch (error) {
    if (signal.aborted) return { interrupted: true };
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`the log stream of ${path.app} broke off (${reason})`);
  }
  if (signal.aborted) return { interrupted: true };
  throw new CliError(`the log stream of ${path.app} ended unexpectedly`);
}

/** Runs `use` with a signal that aborts on Ctrl-C, which then no longer ends the process at once. */
export async function untilInterrupted<T>(use: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    return await use(controller.signal);
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}
