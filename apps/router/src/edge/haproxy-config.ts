import { problems, type RouterProblem } from '../proxy/error-pages';

/** The backend of slot `index`: an app's traffic goes to the slot the controller gave it. */
export const slotBackend = (index: number): string => `app_${index}`;
/** Where everything without a slot goes: the Nimbus router (404 pages, the activator). */
export const FALLBACK_BACKEND = 'nimbus';
/** The fallback's server in every slot: used only while the slot has no instance in service. */
export const FALLBACK_SERVER = 'nimbus';
/** Where a slot server with no instance points: never contacted (it is out of service). */
export const PARKED = { address: '127.0.0.1', port: 1 } as const;

export interface EdgeConfigOptions {
  /** Where app traffic arrives. */
  listen: { host: string; port: number };
  /**
   * HTTPS: its port; HAProxy's `crt` file (the platform's certificate, chain and key), served to
   * any name no app certificate covers; the crt-list apps' certificates are added to at run time,
   * each limited to its app's own names; and the map of slots whose plain HTTP is redirected.
   */
  tls?: { port: number; certificatePath: string; appCertificatesPath: string; redirectsMapPath: string };
  /** The Nimbus router behind the edge, on loopback. */
  fallback: { host: string; port: number };
  /** The runtime API's Unix socket. */
  socketPath: string;
  /** Exact host → backend; keys of the wildcard map are the parent of `*.` (`example.com`). */
  hostsMapPath: string;
  wildcardsMapPath: string;
  slots: number;
  /** Servers in each slot: the instances of one app HAProxy can send to. */
  serversPerSlot: number;
  threads: number;
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  /** One JSON line per request on standard output. */
  accessLog: boolean;
}

/** An id a client or an outer proxy chose is kept when it looks like one (as the Node router). */
const SANE_REQUEST_ID = '^[A-Za-z0-9+/=-]{20,200}$';

/**
 * The access log line, shaped as the router's own (pino: level 30 is info) so one reader takes
 * both. Every value that comes from the client passes through `json`; the query string is left
 * out (it may carry credentials).
 */
const ACCESS_LOG_FORMAT = [
  '{"level":30,"time":%[date(0,ms)],"service":"router"',
  '"requestId":"%[var(txn.rid),json(utf8s)]"',
  '"method":"%[var(txn.method),json(utf8s)]"',
  '"host":"%[var(txn.host),json(utf8s)]"',
  '"path":"%[var(txn.path),json(utf8s)]"',
  '"status":%ST',
  '"latencyMs":%Ta',
  // The instance's address: slot servers are named s1, s2… whichever instance they stand for.
  '"upstream":"%si:%sp"',
  // A string: HAProxy writes `+1` once a retry went to another instance.
  '"retries":"%rc"',
  '"termination":"%tsc"',
  '"msg":"request"}',
].join(',');

/**
 * A connection that never became a request (a TLS handshake refused, a client gone before its
 * first line): a warning in the same JSON shape, not HAProxy's text format in a JSON log.
 */
const CONNECTION_ERROR_FORMAT = [
  '{"level":40,"time":%[date(0,ms)],"service":"router"',
  '"client":"%ci"',
  '"error":"%[fc_err_str,json(utf8s)]"',
  '"tls":"%[ssl_fc_err_str,json(utf8s)]"',
  '"msg":"connection error"}',
].join(',');

/** Where the host and request id go in an error page: HAProxy's variables, once the text is escaped. */
const HOST_MARK = '\u0000host\u0000';
const REQUEST_ID_MARK = '\u0000rid\u0000';

/**
 * HAProxy's own errors in the Node router's words, with the request id. HAProxy answers 503 when
 * no instance would take the connection and 502 when one dropped it: both are the router's
 * `router/bad-gateway`, whatever the status.
 */
function errorResponse(status: 502 | 503 | 504, problem: RouterProblem): string {
  const text = `${problem.title}: ${problem.detail}\n(${status} ${problem.code}, request ${REQUEST_ID_MARK})\n`;
  const body = text
    .replace(/%/g, '%%')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(REQUEST_ID_MARK, '%[var(txn.rid)]')
    .replace(HOST_MARK, '%[var(txn.host)]');
  return (
    `  http-error status ${status} content-type "text/plain; charset=utf-8" ` +
    `hdr cache-control no-store hdr x-request-id "%[var(txn.rid)]" lf-string "${body}"`
  );
}

/**
 * The whole HAProxy configuration. It never names an app: apps get one of `slots` identical
 * backends at run time (map entries and server addresses through the runtime API), so nothing
 * the platform does needs a reload. A slot with no server in service sends its traffic to the Nimbus
 * router, which holds it for an app scaling from zero or answers 503 as before.
 */
export function renderEdgeConfig(options: EdgeConfigOptions): string {
  const fallback = `${options.fallback.host}:${options.fallback.port}`;
  const proto = options.tls ? '%[ssl_fc,iif(https,http)]' : 'http';
  const lines = [
    'global',
    `  stats socket ${options.socketPath} mode 600 level admin`,
    '  stats timeout 30s',
    `  nbthread ${options.threads}`,
    ...(options.accessLog ? ['  log stdout format raw local0 info'] : []),
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    `  timeout connect ${options.connectTimeoutMs}ms`,
    '  timeout client 60s',
    `  timeout server ${options.upstreamTimeoutMs}ms`,
    '  timeout http-request 30s',
    '  timeout http-keep-alive 60s',
    // A WebSocket's life, once upgraded.
    '  timeout tunnel 1h',
    '  timeout queue 30s',
    // A refused or timed-out connection is tried again on another instance; a request that
    // reached an instance is never sent twice (it may have acted on it).
    '  retries 2',
    '  option redispatch 1',
    '  retry-on conn-failure',
    `frontend edge`,
    `  bind ${options.listen.host}:${options.listen.port}`,
    // HTTP/2 to clients that offer it; instances are spoken to in HTTP/1.1 either way.
    ...(options.tls
      ? [
          `  bind ${options.listen.host}:${options.tls.port} ssl crt ${options.tls.certificatePath} ` +
            `crt-list ${options.tls.appCertificatesPath} alpn h2,http/1.1`,
        ]
      : []),
    // Here only: in a backend, the log would also get HAProxy's own events (a server going up).
    ...(options.accessLog
      ? [
          '  log global',
          '  option dontlognull',
          `  log-format '${ACCESS_LOG_FORMAT}'`,
          `  error-log-format '${CONNECTION_ERROR_FORMAT}'`,
        ]
      : []),
    // RFC 3986 allows no quote or backslash in a host name; one would also end Forwarded's
    // quoted host value early.
    `  http-request deny deny_status 400 if { req.hdr(host) -m sub '"' '\\' }`,
    // A name with a final dot or in brackets finds no entry: the Nimbus router takes it.
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    // Per-request work costs: what only the access log reads is kept only when there is one.
    ...(options.accessLog
      ? ['  http-request set-var(txn.method) method', '  http-request set-var(txn.path) path']
      : []),
    `  http-request set-var(txn.rid) req.hdr(x-request-id) if { req.hdr(x-request-id) -m found } { req.hdr(x-request-id) -m reg ${SANE_REQUEST_ID} }`,
    '  http-request set-var(txn.rid) uuid() unless { var(txn.rid) -m found }',
    '  http-request set-header X-Request-Id %[var(txn.rid)]',
    '  http-response set-header X-Request-Id %[var(txn.rid)]',
    // Lists a client may have started are appended to; this hop's own facts are replaced.
    '  option forwardfor',
    // RFC 7239 brackets and quotes an IPv6 node. Bound to an IPv4 address, every client is IPv4:
    // one rule, no test per request.
    ...(options.listen.host.includes(':')
      ? [
          `  http-request add-header Forwarded 'for=%[src];host="%[req.hdr(host)]";proto=${proto}' if { src -m ip 0.0.0.0/0 }`,
          `  http-request add-header Forwarded 'for="[%[src]]";host="%[req.hdr(host)]";proto=${proto}' unless { src -m ip 0.0.0.0/0 }`,
        ]
      : [`  http-request add-header Forwarded 'for=%[src];host="%[req.hdr(host)]";proto=${proto}'`]),
    '  http-request set-header X-Forwarded-Host %[req.hdr(host)]',
    `  http-request set-header X-Forwarded-Proto ${proto}`,
    '  http-request set-header X-Forwarded-Port %[dst_port]',
    `  http-request set-var(txn.backend) var(txn.host),map_str(${options.hostsMapPath})`,
    `  http-request set-var(txn.backend) var(txn.host),field(2,.,0),map_str(${options.wildcardsMapPath}) unless { var(txn.backend) -m found }`,
    ...(options.tls
      ? [
          // 308 keeps the method and body; the port is left out where it is HTTPS' own.
          `  http-request redirect code 308 location https://%[var(txn.host)]${options.tls.port === 443 ? '' : `:${options.tls.port}`}%[capture.req.uri] ` +
            `if !{ ssl_fc } { var(txn.backend),map_str(${options.tls.redirectsMapPath}) -m found }`,
        ]
      : []),
    '  use_backend %[var(txn.backend)] if { var(txn.backend) -m found }',
    `  default_backend ${FALLBACK_BACKEND}`,
    errorResponse(502, problems.badGateway(HOST_MARK)),
    errorResponse(503, problems.badGateway(HOST_MARK)),
    errorResponse(504, problems.upstreamTimeout(HOST_MARK)),
    `backend ${FALLBACK_BACKEND}`,
    `  server ${FALLBACK_SERVER} ${fallback}`,
  ];
  for (let index = 0; index < options.slots; index++) {
    lines.push(
      `backend ${slotBackend(index)}`,
      '  balance leastconn',
      // Servers declared here, given an instance's address at run time: HAProxy 2.6 keeps no
      // connection alive to a server added at run time (`add server`), one per request instead.
      `  server-template s 1-${options.serversPerSlot} ${PARKED.address}:${PARKED.port} disabled`,
      `  server ${FALLBACK_SERVER} ${fallback} backup`,
    );
  }
  return `${lines.join('\n')}\n`;
}
