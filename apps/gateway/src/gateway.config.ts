import { resolve } from 'node:path';
import { z } from 'zod';
import {
  booleanFromEnv,
  databaseEnv,
  durationFromEnv,
  loadConfig,
  logLevelEnv,
  masterKeysEnv,
  pathFromEnv,
  portFromEnv,
  redisEnv,
} from '@nimbus/config';
import { parseMasterKey } from '@nimbus/crypto';

export const gatewayConfigSchema = z.object({
  PORT: portFromEnv().default(8080),
  HOST: z.string().default('127.0.0.1'),
  ...databaseEnv,
  ...redisEnv,
  ...masterKeysEnv(parseMasterKey),
  NIMBUS_SESSION_TTL: durationFromEnv('12h'),
  NIMBUS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(3000),
  NIMBUS_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'must be a size such as 256kb or 1mb')
    .default('256kb'),
  NIMBUS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  NIMBUS_ACCESS_LOG: booleanFromEnv().default(true),
  /** Processes serving the one port; more than one uses more of the machine's cores. */
  NIMBUS_GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /** Where app repositories live (a bare repository per app). */
  NIMBUS_GIT_ROOT: pathFromEnv('.nimbus/git'),
  /**
   * The only directory file:// (and local path) submodule URLs may point into; unset, they are
   * refused, so a tenant's .gitmodules cannot make the platform read its disk. For tests and
   * operator-kept mirrors; https:// submodules need no setting.
   */
  NIMBUS_GIT_SUBMODULE_FILE_ROOT: z
    .string()
    .min(1)
    .transform((path) => resolve(path))
    .optional(),
  /** Where pushed source trees wait for a builder; shared with the builders. */
  NIMBUS_BUILD_SOURCES: pathFromEnv('.nimbus/build-sources'),
  /** The largest source tree (as an uncompressed tar) a push may build. */
  NIMBUS_BUILD_MAX_SOURCE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024 * 1024),
  /** Builds that may run at once per app and per tenant; pushes beyond are refused. */
  NIMBUS_BUILDS_PER_APP: z.coerce.number().int().min(1).default(1),
  NIMBUS_BUILDS_PER_TENANT: z.coerce.number().int().min(1).default(3),
  /**
   * The runtime of apps created without one: `auto` is `oci` (a runc container, isolated) where
   * runc runs on this host, else `process`. Set it where the gateway's host is not like the nodes.
   */
  NIMBUS_DEFAULT_RUNTIME: z.enum(['auto', 'oci', 'process']).default('auto'),
  /**
   * The proxies in front of the gateway whose X-Forwarded-For/-Proto it believes (Express's `trust
   * proxy`: loopback, linklocal, uniquelocal, addresses or CIDRs, comma-separated). Behind a proxy
   * that terminates TLS this makes the session cookie Secure and rate limits see the client's
   * address; unset, forwarded headers are ignored.
   */
  NIMBUS_TRUST_PROXY: z
    .string()
    .regex(
      /^\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*\s*$/,
      'must be loopback, linklocal, uniquelocal, or addresses/CIDRs, comma-separated',
    )
    .optional(),
  /** The built web console served at /console/ (by default apps/console/dist of this checkout). */
  NIMBUS_CONSOLE_DIR: z
    .string()
    .min(1)
    .default(resolve(__dirname, '../../console/dist'))
    .transform((path) => resolve(path)),
  /** Apps answer at APP.NAMESPACE.TENANT.NIMBUS_DOMAIN on the router's port. */
  NIMBUS_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a DNS name such as localhost or apps.example.com')
    .default('localhost'),
  /** The router's port as users reach it (for the URLs the API and pushes print). */
  NIMBUS_ROUTER_PORT: portFromEnv().default(8000),
  NIMBUS_GIT_MAX_PUSH_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  /** How long a push waits for its release to serve before it returns anyway. */
  NIMBUS_PUSH_LAUNCH_WAIT: durationFromEnv('60s'),
  /** What an agent presents to register its node; unset, no node can join. */
  NIMBUS_NODE_JOIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (openssl rand -hex 32)')
    .optional(),
  /** A node whose agent has not renewed its lease for this long is NotReady. */
  NIMBUS_NODE_LEASE_DURATION: durationFromEnv('10s'),
  /** Between SIGTERM and SIGKILL when an instance is stopped. */
  NIMBUS_STOP_GRACE_PERIOD: durationFromEnv('30s'),
  /** How long per-second metrics (instances' CPU and memory, apps' traffic) are kept in Redis. */
  NIMBUS_METRICS_RETENTION: durationFromEnv('1h'),
  ...logLevelEnv,
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env?: NodeJS.ProcessEnv): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
