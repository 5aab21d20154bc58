import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import Negotiator from 'negotiator';

/**
 * What the router itself answers. Codes are stable: users and scripts may match on them.
 * - `router/bad-request`: the request target is not a path (absolute-form, `*`) (400).
 * - `router/unknown-host`: the Host is not under NIMBUS_DOMAIN, or no such app is routed (404).
 * - `router/no-instances`: the app exists but none of its web instances is ready (503).
 * - `router/not-ready`: this router has not loaded its table yet (503).
 * - `router/bad-gateway`: every instance tried failed before answering (502).
 * - `router/upstream-timeout`: the instance did not answer in time (504).
 * - `router/app-starting`: the app is scaling up from zero and too many requests wait already (503).
 * - `router/start-timeout`: the app, scaled to zero, did not start in time for a held request (503).
 * - `router/stopping`: this router stopped while the request waited for the app to start (503).
 */
export type RouterProblemCode =
  | 'router/bad-request'
  | 'router/unknown-host'
  | 'router/no-instances'
  | 'router/not-ready'
  | 'router/bad-gateway'
  | 'router/upstream-timeout'
  | 'router/app-starting'
  | 'router/start-timeout'
  | 'router/stopping';

export interface RouterProblem {
  status: 400 | 404 | 502 | 503 | 504;
  code: RouterProblemCode;
  title: string;
  detail: string;
  /** Seconds, for Retry-After: when trying again is likely to go better. */
  retryAfter?: number;
}

export const problems = {
  badRequest: (): RouterProblem => ({
    status: 400,
    code: 'router/bad-request',
    title: 'Bad request',
    detail: 'The request target must be a path such as /index.html.',
  }),
  unknownHost: (host: string): RouterProblem => ({
    status: 404,
    code: 'router/unknown-host',
    title: 'No such app',
    detail: host ? `There is no app at ${host}.` : 'The request names no host.',
  }),
  noInstances: (host: string): RouterProblem => ({
    status: 503,
    code: 'router/no-instances',
    title: 'No ready instances',
    detail: `${host} has no running instances ready for traffic. Scale its web process up or check its logs.`,
  }),
  notReady: (): RouterProblem => ({
    status: 503,
    code: 'router/not-ready',
    title: 'Router starting',
    detail: 'This router has not loaded its routing table yet. Try again in a moment.',
  }),
  badGateway: (host: string): RouterProblem => ({
    status: 502,
    code: 'router/bad-gateway',
    title: 'Bad gateway',
    detail: `${host} did not answer: its instances refused or dropped the connection.`,
  }),
  upstreamTimeout: (host: string): RouterProblem => ({
    status: 504,
    code: 'router/upstream-timeout',
    title: 'Gateway timeout',
    detail: `${host} did not answer in time.`,
  }),
  appStarting: (host: string): RouterProblem => ({
    status: 503,
    code: 'router/app-starting',
    title: 'App starting',
    detail: `${host} is starting; too many requests are waiting for it already. Try again in a moment.`,
    // An instance is on its way: a second is roughly a cold start.
    retryAfter: 1,
  }),
  startTimeout: (host: string, waitedMs: number): RouterProblem => ({
    status: 503,
    code: 'router/start-timeout',
    title: 'App did not start',
    detail: `${host} had no instance ready within ${Math.round(waitedMs / 1000)} s. Try again, or check its logs.`,
    // Whatever held it up (a full cluster, a slow image) is not over in a second.
    retryAfter: 10,
  }),
  stopping: (host: string): RouterProblem => ({
    status: 503,
    code: 'router/stopping',
    title: 'Router stopping',
    detail: `This router stopped before ${host} had started. Try again: another router will take the request.`,
    retryAfter: 1,
  }),
};

// Plain text first: it is what `*/*` (curl, scripts) gets; browsers ask for HTML by name.
const MEDIA_TYPES = ['text/plain', 'text/html', 'application/problem+json', 'application/json'];

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(problem: RouterProblem, requestId: string, accept: IncomingMessage['headers']) {
  const type = new Negotiator({ headers: accept }).mediaType(MEDIA_TYPES) ?? 'text/plain';
  if (type.endsWith('json')) {
    const body = {
      type: `urn:nimbus:problem:${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      requestId,
    };
    return { type: 'application/problem+json', body: JSON.stringify(body) };
  }
  if (type === 'text/html') {
    const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${problem.status} ${escapeHtml(problem.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>${escapeHtml(problem.title)}</h1>
<p>${escapeHtml(problem.detail)}</p>
<p style="color: #666; font-size: small">${problem.status} · ${problem.code} · request ${escapeHtml(requestId)}</p>
</body></html>
`;
    return { type: 'text/html; charset=utf-8', body };
  }
  const body = `${problem.title}: ${problem.detail}\n(${problem.status} ${problem.code}, request ${requestId})\n`;
  return { type: 'text/plain; charset=utf-8', body };
}

/** Answers a request with the router's own error page, in the form the client asked for. */
export function sendProblem(
  request: IncomingMessage,
  response: ServerResponse,
  problem: RouterProblem,
  requestId: string,
): void {
  const { type, body } = render(problem, requestId, request.headers);
  const headers: OutgoingHttpHeaders = {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  };
  if (problem.retryAfter !== undefined) headers['retry-after'] = String(problem.retryAfter);
  response.writeHead(problem.status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** The same on a raw socket, for a WebSocket handshake that cannot be routed. */
export function writeProblemToSocket(
  request: IncomingMessage,
  socket: Duplex,
  problem: RouterProblem,
  requestId: string,
): void {
  const { type, body } = render(problem, requestId, request.headers);
  const reason = {
    400: 'Bad Request',
    404: 'Not Found',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  socket.end(
    `HTTP/1.1 ${problem.status} ${reason[problem.status]}\r\n` +
      `content-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      (problem.retryAfter === undefined ? '' : `retry-after: ${problem.retryAfter}\r\n`) +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
