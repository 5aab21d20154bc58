import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  databaseEnv,
  durationFromEnv,
  loadConfig,
  logLevelEnv,
  masterKeysEnv,
  pathFromEnv,
  portFromEnv,
  redisEnv,
  urlFromEnv,
} from '@nimbus/config';
import { parseMasterKey } from '@nimbus/crypto';

export const builderConfigSchema = z.object({
  /** Port of /healthz, /readyz and /metrics. */
  PORT: portFromEnv().default(8081),
  HOST: z.string().default('127.0.0.1'),
  ...databaseEnv,
  ...redisEnv,
  /** Opens the tenants' secrets for the release phase and seals each release's environment. */
  ...masterKeysEnv(parseMasterKey),
  /** Where the gateway leaves pushed source trees. */
  NIMBUS_BUILD_SOURCES: pathFromEnv('.nimbus/build-sources'),
  /** Per-app dependency caches and the shared package cache. */
  NIMBUS_BUILD_CACHE: pathFromEnv('.nimbus/build-cache'),
  /** Build directories, each removed when its build ends. */
  NIMBUS_BUILD_SCRATCH: pathFromEnv(join(tmpdir(), 'nimbus-builds')),
  /** The image store: an OCI image layout directory, unless a registry is configured. */
  NIMBUS_IMAGE_LAYOUT: pathFromEnv('.nimbus/images'),
  NIMBUS_REGISTRY_URL: urlFromEnv('http:', 'https:').optional(),
  NIMBUS_REGISTRY_USERNAME: z.string().optional(),
  NIMBUS_REGISTRY_PASSWORD: z.string().optional(),
  /** Builds this process runs at once. */
  NIMBUS_BUILDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Limits on every build step and on the release phase: they run the app's own code. */
  NIMBUS_BUILD_TIMEOUT: durationFromEnv('15m'),
  NIMBUS_RELEASE_TIMEOUT: durationFromEnv('30m'),
  NIMBUS_BUILD_MEMORY_MB: z.coerce.number().int().min(64).default(2048),
  NIMBUS_BUILD_MAX_PROCESSES: z.coerce.number().int().min(16).default(1024),
  /**
   * Where build steps run: `runc` containers, plain process groups (`none`), or `auto`: runc
   * when the host has it (and this process may use it).
   */
  NIMBUS_BUILD_SANDBOX: z.enum(['auto', 'runc', 'none']).default('auto'),
  /** The unprivileged user and group build steps run as in a container. */
  NIMBUS_BUILD_UID: z.coerce.number().int().min(1).default(10_000),
  NIMBUS_BUILD_GID: z.coerce.number().int().min(1).default(10_000),
  /** A build whose builder has not been heard from for this long is taken up again. */
  NIMBUS_BUILD_STALE_AFTER: durationFromEnv('30s'),
  /** How often stranded builds (stale, or queued with no wake-up) are looked for. */
  NIMBUS_BUILD_RESYNC: durationFromEnv('15s'),
  /** Times a build is started before an interrupted build is marked failed. */
  NIMBUS_BUILD_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  ...logLevelEnv,
});

export type BuilderConfig = z.infer<typeof builderConfigSchema>;

export function loadBuilderConfig(env?: NodeJS.ProcessEnv): BuilderConfig {
  return loadConfig(builderConfigSchema, env);
}
