import { z } from 'zod';
import { urlFromEnv } from './env-types';

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
