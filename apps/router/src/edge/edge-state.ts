import { FALLBACK_SERVER, PARKED } from './haproxy-config';
import { parseStatRows } from './haproxy-stats';

/** One of a slot's servers, as HAProxy has it (an instance's address, or one it had). */
export interface EdgeServer {
  name: string;
  address: string;
  port: number;
  /** False once put in maintenance: it takes no new request, those in flight finish. */
  inService: boolean;
  /** Requests (connections from clients) it is serving now: read only for servers leaving. */
  sessions: number;
}

/** A server with no instance: out of service and pointed nowhere, so nothing can be in flight. */
export const isParked = (server: Pick<EdgeServer, 'inService' | 'address' | 'port'>): boolean =>
  !server.inService && server.address === PARKED.address && server.port === PARKED.port;

/** Out of service but still pointed at an instance: requests may be in flight on it. */
export const isLeaving = (server: Pick<EdgeServer, 'inService' | 'address' | 'port'>): boolean =>
  !server.inService && !isParked(server);

/** What HAProxy holds now, read back through its runtime API (never remembered by the controller). */
export interface EdgeState {
  /** Exact host → backend. */
  hosts: Map<string, string>;
  /** Parent of a wildcard (`example.com` for `*.example.com`) → backend. */
  wildcards: Map<string, string>;
  /** Backend → its instances (not the fallback server every slot has). */
  servers: Map<string, EdgeServer[]>;
}

/** `show map <file>`: one `<ref> <key> <value>` line per entry. */
export function parseMap(output: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [ref, key, value] = line.trim().split(/\s+/);
    if (ref?.startsWith('0x') && key && value) entries.set(key, value);
  }
  return entries;
}

// `show servers state` columns (format version 1), as its header line names them.
const BACKEND_NAME = 1;
const SERVER_NAME = 3;
const SERVER_ADDRESS = 4;
const ADMIN_STATE = 6;
const SERVER_PORT = 18;
/**
 * The `disabled` of a server-template line: set on every slot server from the start, it stays
 * while the runtime API puts the server in and out of service (any other flag means out).
 */
const CONFIGURED_MAINTENANCE = 0x04;

/**
 * Current sessions per `backend/server` from `show stat <backend> 4 -1` answers (CSV, each with
 * its `# ` header line), asked only of backends with servers leaving: asking every server of
 * every slot costs HAProxy more than the traffic it serves.
 */
export function parseSessions(answers: readonly string[]): Map<string, number> {
  const sessions = new Map<string, number>();
  for (const row of parseStatRows(answers.join('\n'), ['pxname', 'svname', 'scur'])) {
    sessions.set(`${row.pxname}/${row.svname}`, row.scur);
  }
  return sessions;
}

/**
 * `show servers state`: a version line, a `#` header, then one line per server of every backend
 * (thousands: every slot's servers, read every few seconds, hence no regular expressions). A
 * leaving server's `sessions` is unknown here: it counts as busy until {@link withSessions}.
 */
export function parseServers(output: string): Map<string, EdgeServer[]> {
  const lines = output.split('\n');
  if (lines[0]?.trim() !== '1') throw new Error(`unexpected servers state format: ${lines[0] ?? ''}`);
  const servers = new Map<string, EdgeServer[]>();
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.length === 0 || line.startsWith('#')) continue;
    const fields = line.split(' ');
    const name = fields[SERVER_NAME] as string;
    if (name === FALLBACK_SERVER) continue;
    const backend = fields[BACKEND_NAME] as string;
    let list = servers.get(backend);
    if (!list) servers.set(backend, (list = []));
    const server = {
      name,
      address: fields[SERVER_ADDRESS] as string,
      port: Number(fields[SERVER_PORT]),
      inService: (Number(fields[ADMIN_STATE]) & ~CONFIGURED_MAINTENANCE) === 0,
      sessions: 0,
    };
    if (isLeaving(server)) server.sessions = 1;
    list.push(server);
  }
  return servers;
}

/** Fills in the sessions of leaving servers from {@link parseSessions}' figures. */
export function withSessions(
  servers: Map<string, EdgeServer[]>,
  sessions: ReadonlyMap<string, number>,
): Map<string, EdgeServer[]> {
  for (const [backend, list] of servers) {
    for (const server of list) {
      if (isLeaving(server)) server.sessions = sessions.get(`${backend}/${server.name}`) ?? 1;
    }
  }
  return servers;
}
