import { z } from 'zod';
import {
  booleanFromEnv,
  durationFromEnv,
  edgeKeyEnv,
  loadConfig,
  logLevelEnv,
  portFromEnv,
  redisEnv,
} from '@nimbus/config';
import { parseEdgeKey } from '@nimbus/crypto';

export const EDGES = ['haproxy', 'node'] as const;

export const BALANCE_STRATEGIES = ['least-connections', 'round-robin'] as const;
export type BalanceStrategy = (typeof BALANCE_STRATEGIES)[number];

export const routerConfigSchema = z
  .object({
    /** App traffic: http://APP.NAMESPACE.TENANT.NIMBUS_DOMAIN:NIMBUS_ROUTER_PORT/. */
    NIMBUS_ROUTER_PORT: portFromEnv().default(8000),
    /**
     * /healthz, /readyz and /metrics. A port of their own so that no app path can shadow them and
     * the metrics are not published wherever app traffic is.
     */
    NIMBUS_ROUTER_ADMIN_PORT: portFromEnv().default(8001),
    HOST: z.string().default('127.0.0.1'),
    ...redisEnv,
    NIMBUS_DOMAIN: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a DNS name such as localhost or apps.example.com')
      .default('localhost'),
    /** One JSON line per request; off in benchmarks, where it costs throughput. */
    NIMBUS_ACCESS_LOG: booleanFromEnv().default(true),
    /**
     * `least-connections` (default) sends each request to the instance with the fewest requests in
     * flight from this router, rotating among ties; `round-robin` ignores load.
     */
    NIMBUS_ROUTER_BALANCE: z.enum(BALANCE_STRATEGIES).default('least-connections'),
    /** A connection to an instance not established in this time counts as refused (and is retried). */
    NIMBUS_ROUTER_CONNECT_TIMEOUT: durationFromEnv('5s'),
    /** No response headers in this time: 504. A response body stalled this long: connection cut. */
    NIMBUS_ROUTER_UPSTREAM_TIMEOUT: durationFromEnv('60s'),
    /** Keep-alive connections to one instance, per router process; requests beyond wait for one. */
    NIMBUS_ROUTER_UPSTREAM_MAX_SOCKETS: z.coerce.number().int().min(1).max(10_000).default(256),
    /** On SIGTERM, requests in flight get this long to finish before their connections are cut. */
    NIMBUS_ROUTER_DRAIN_TIMEOUT: durationFromEnv('10s'),
    /**
     * A request to an app scaled to zero waits this long for an instance before it gets a 503; the
     * activator holds it meanwhile. At most 5 m: Node's own request timeout (300 s) would otherwise
     * answer a held request whose body is still unread.
     */
    NIMBUS_ACTIVATOR_TIMEOUT: durationFromEnv('60s').pipe(
      z.number().min(1000, 'must be at least 1s').max(300_000, 'must be at most 5m'),
    ),
    /** Requests held per app (and router process) while it starts; more get a 503 at once. */
    NIMBUS_ACTIVATOR_QUEUE: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** How long the per-second traffic figures reported to the metrics store are kept. */
    NIMBUS_METRICS_RETENTION: durationFromEnv('1h'),
    /**
     * Processes serving the one port (node:cluster); more than one uses more of the machine's cores.
     * Behind HAProxy, its threads: the Node router then serves only what HAProxy passes it.
     */
    NIMBUS_ROUTER_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
    /**
     * What app traffic arrives at: `haproxy` (Debian's package), programmed by this router at run
     * time, which serves itself only what HAProxy passes on (unknown hosts, apps with no instance in
     * service, the activator's holds); `node` serves all of it itself.
     */
    NIMBUS_EDGE: z.enum(EDGES).default('haproxy'),
    /** The HAProxy binary: a path, or a name looked up on PATH. */
    NIMBUS_HAPROXY: z.string().min(1).default('haproxy'),
    /**
     * Apps HAProxy can route itself (one backend each, made at start: no reload ever needed).
     * An app beyond them is served, more slowly, by the Node router.
     */
    NIMBUS_EDGE_SLOTS: z.coerce.number().int().min(1).max(20_000).default(256),
    /**
     * Instances of one app HAProxy can send to (servers per slot; a rollout needs room for old
     * and new). HAProxy's memory grows by ~5 KB per server: 256 × 16 take ~25 MB more.
     */
    NIMBUS_EDGE_SERVERS_PER_APP: z.coerce.number().int().min(1).max(1000).default(16),
    /** HTTPS for app traffic (HTTP/2 and HTTP/1.1, by ALPN); none when unset. Needs the HAProxy edge. */
    NIMBUS_ROUTER_TLS_PORT: portFromEnv().optional(),
    /**
     * The platform's certificate (PEM: the certificate, then its chain) and private key, served for
     * every host; both or neither. Without them the router makes a self-signed one for
     * `*.NIMBUS_DOMAIN` at start, which browsers will not trust.
     */
    NIMBUS_TLS_CERT: z.string().min(1).optional(),
    NIMBUS_TLS_KEY: z.string().min(1).optional(),
    /** Opens the apps' certificates the orchestrator seals for the routers. */
    ...edgeKeyEnv(parseEdgeKey),
    ...logLevelEnv,
  })
  .superRefine((config, context) => {
    if ((config.NIMBUS_TLS_CERT === undefined) !== (config.NIMBUS_TLS_KEY === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [config.NIMBUS_TLS_CERT === undefined ? 'NIMBUS_TLS_CERT' : 'NIMBUS_TLS_KEY'],
        message: 'set with NIMBUS_TLS_CERT and NIMBUS_TLS_KEY both, or neither',
      });
    }
    if (config.NIMBUS_ROUTER_TLS_PORT !== undefined && config.NIMBUS_EDGE !== 'haproxy') {
      context.addIssue({
        code: 'custom',
        path: ['NIMBUS_ROUTER_TLS_PORT'],
        message: 'HTTPS is served by the HAProxy edge: unset it, or set NIMBUS_EDGE=haproxy',
      });
    }
  });

export type RouterConfig = z.infer<typeof routerConfigSchema>;

export function loadRouterConfig(env?: NodeJS.ProcessEnv): RouterConfig {
  return loadConfig(routerConfigSchema, env);
}
