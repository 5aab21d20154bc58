import { z } from 'zod';
import {
  booleanFromEnv,
  durationFromEnv,
  listFromEnv,
  loadConfig,
  parsedFromEnv,
  pathFromEnv,
  portFromEnv,
  urlFromEnv,
} from '@nimbus/config';
import { parseMasterKey } from '@nimbus/crypto';

export const gatewayConfigSchema = z.object({
  PORT: portFromEnv().default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: urlFromEnv('postgresql:', 'postgres:'),
  REDIS_URL: urlFromEnv('redis:', 'rediss:'),
  /** Prefix of every Redis key this gateway writes, so several platforms can share one Redis. */
  NIMBUS_REDIS_PREFIX: z.string().default('nimbus:'),
  NIMBUS_MASTER_KEY: parsedFromEnv(parseMasterKey),
  /** Comma-separated keys being rotated out: still unwrap, never wrap. */
  NIMBUS_MASTER_KEY_PREVIOUS: listFromEnv(parseMasterKey),
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
  /** Apps answer at APP.NAMESPACE.TENANT.NIMBUS_DOMAIN on the router's port. */
  NIMBUS_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a DNS name such as localhost or apps.example.com')
    .default('localhost'),
  /** The router's port as users reach it; the gateway's own PORT when unset. */
  NIMBUS_ROUTER_PORT: portFromEnv().optional(),
  NIMBUS_GIT_MAX_PUSH_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env?: NodeJS.ProcessEnv): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
