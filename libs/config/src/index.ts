export { loadConfig, ConfigError } from './load-config';
export { booleanFromEnv, durationFromEnv, portFromEnv, urlFromEnv } from './env-types';
