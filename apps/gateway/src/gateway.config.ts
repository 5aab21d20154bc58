import { resolve } from 'node:path';
import { z } from 'zod';
import { booleanFromEnv, durationFromEnv, loadConfig, portFromEnv, urlFromEnv } from '@nimbus/config';
import { parseMasterKey } from '@nimbus/crypto';

const masterKey = z.string().transform((value, ctx) => {
  try {
    return parseMasterKey(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export const gatewayConfigSchema = z.object({
  PORT: portFromEnv().default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: urlFromEnv('postgresql:', 'postgres:'),
  REDIS_URL: urlFromEnv('redis:', 'rediss:'),
  /** Prefix of every Redis key this gateway writes, so several platforms can share one Redis. */
  NIMBUS_REDIS_PREFIX: z.string().default('nimbus:'),
  NIMBUS_MASTER_KEY: masterKey,
  /** Comma-separated keys being rotated out: still unwrap, never wrap. */
  NIMBUS_MASTER_KEY_PREVIOUS: z
    .string()
    .transform((value, ctx) =>
      value
        .split(',')
        .filter(Boolean)
        .map((key) => {
          try {
            return parseMasterKey(key.trim());
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return Buffer.alloc(0);
          }
        }),
    )
    .default([]),
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
  NIMBUS_GIT_ROOT: z
    .string()
    .default('.nimbus/git')
    .transform((path) => resolve(path)),
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
