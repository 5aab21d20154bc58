import { z } from 'zod';
import { listFromEnv, parsedFromEnv, urlFromEnv } from './env-types';

/** Settings several Nimbus processes share, spelled once: spread them into a process's schema. */

export const databaseEnv = {
  DATABASE_URL: urlFromEnv('postgresql:', 'postgres:'),
};

export const redisEnv = {
  REDIS_URL: urlFromEnv('redis:', 'rediss:'),
  /** Prefix of every Redis key, so several platforms can share one Redis. */
  NIMBUS_REDIS_PREFIX: z.string().default('nimbus:'),
};

export const logLevelEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
};

/**
 * The platform master key and the keys being rotated out (comma-separated: still unwrap, never
 * wrap), each checked by `parse` (the crypto library's, which this one does not depend on).
 */
export const masterKeysEnv = <T>(parse: (value: string) => T) => ({
  NIMBUS_MASTER_KEY: parsedFromEnv(parse),
  NIMBUS_MASTER_KEY_PREVIOUS: listFromEnv(parse),
});

/**
 * The key the orchestrator seals apps' certificate keys with and routers open them with (base64
 * of 32 bytes, the same on both; `parse` is the crypto library's). Unset, apps' certificates are
 * not served: HTTPS answers with the platform's certificate only.
 */
export const edgeKeyEnv = <T>(parse: (value: string) => T) => ({
  NIMBUS_EDGE_KEY: parsedFromEnv(parse).optional(),
});
