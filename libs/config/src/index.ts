export { loadConfig, ConfigError } from './load-config';
export {
  booleanFromEnv,
  durationFromEnv,
  listFromEnv,
  parsedFromEnv,
  pathFromEnv,
  portFromEnv,
  urlFromEnv,
} from './env-types';
export { databaseEnv, edgeKeyEnv, logLevelEnv, masterKeysEnv, redisEnv } from './shared-env';
