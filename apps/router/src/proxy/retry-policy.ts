import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exchange } from './exchange';

/** RFC 9110 §9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Errors of a connection that was never established: the request cannot have reached the app. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Errors of a connection that broke: the app may have seen the request, but answered nothing. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.name;
}

/** The instance never took the connection: it is passed over for a while. */
export const neverConnected = (code: string): boolean => NOT_CONNECTED.has(code);

/** The instance took too long to answer (504) rather than failing to (502). */
export const timedOut = (code: string): boolean => TIMED_OUT.has(code);

/**
 * Whether a failed request may go to a second instance: at most once, and only when it has no
 * body (the body stream is consumed by the first attempt) and nothing came back from the first:
 * after a connection that was never established (refused, unreachable, connect timeout) whatever
 * the method, since nothing reached the app; after one that broke before any response byte only
 * for idempotent methods, since the app may have acted on it.
 */
export function mayRetry(
  request: IncomingMessage,
  response: ServerResponse,
  exchange: Exchange,
  code: string,
): boolean {
  if (exchange.tried.length >= 2 || exchange.responded || response.headersSent) return false;
  if (exchange.hasBody) return false;
  return NOT_CONNECTED.has(code) || (DROPPED.has(code) && IDEMPOTENT.has(request.method ?? ''));
}
