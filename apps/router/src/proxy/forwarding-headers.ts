import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** An id a client or an outer proxy chose is kept when it looks like one: Heroku's rule. */
const SANE_REQUEST_ID = /^[A-Za-z0-9+/=-]{20,200}$/;
/** RFC 7230 `token`; anything else must be a quoted-string in a Forwarded pair. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 §7.6.1: headers that describe one connection and must not cross the router. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const incoming = headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Removes hop-by-hop headers, including any the Connection header names. `keep` spares some
 * (`upgrade` and `connection` on a WebSocket handshake, which the upstream must see).
 */
export function stripHopByHop(
  headers: Record<string, string | string[] | undefined>,
  keep: readonly string[] = [],
): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    const listed = (Array.isArray(connection) ? connection.join(',') : connection).split(',');
    for (const name of listed) {
      const header = name.trim().toLowerCase();
      if (header && !keep.includes(header)) delete headers[header];
    }
  }
  // Deleting only what is there keeps the headers object in V8's fast mode on the common path.
  for (const header of HOP_BY_HOP) if (header in headers && !keep.includes(header)) delete headers[header];
}

/** The client's address as RFC 7239 writes a node: IPv6 bracketed and quoted, IPv4-mapped unwrapped. */
function forwardedNode(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.includes(':') ? `"[${v4}]"` : v4;
}

function forwardedValue(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

const append = (previous: string | string[] | undefined, value: string): string => {
  const earlier = Array.isArray(previous) ? previous.join(', ') : previous;
  return earlier ? `${earlier}, ${value}` : value;
};

/**
 * What the app learns about the original request. `Forwarded` and `X-Forwarded-For` are lists
 * each proxy appends to (the app trusts as many entries from the end as it has proxies in front);
 * the other X-Forwarded-* describe this router's own hop, so a client's values are replaced.
 */
export function setForwardingHeaders(request: IncomingMessage, requestId: string): void {
  const headers = request.headers;
  const clientAddress = request.socket.remoteAddress;
  const host = headers.host ?? '';
  // Plain HTTP: TLS, where there is any, ends in front of the router, which says so itself.
  const proto = 'http';
  headers['x-request-id'] = requestId;
  headers.forwarded = append(
    headers.forwarded,
    `for=${forwardedNode(clientAddress)};host=${forwardedValue(host)};proto=${proto}`,
  );
  const v4 = clientAddress?.startsWith('::ffff:') ? clientAddress.slice(7) : clientAddress;
  headers['x-forwarded-for'] = append(headers['x-forwarded-for'], v4 ?? 'unknown');
  headers['x-forwarded-host'] = host;
  headers['x-forwarded-proto'] = proto;
  // The port this connection came in on, as nginx's $server_port: the Host header may omit it.
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
}
