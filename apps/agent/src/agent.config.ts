import { cpus, hostname, totalmem } from 'node:os';
import { z } from 'zod';
import {
  booleanFromEnv,
  durationFromEnv,
  loadConfig,
  logLevelEnv,
  pathFromEnv,
  portFromEnv,
  urlFromEnv,
} from '@nimbus/config';
import { MAX_REPORTED_IMAGES } from '@nimbus/cluster';

const portRange = (fallback: string) =>
  z
    .string()
    .regex(/^\d+-\d+$/, 'must be a range such as 20000-29999')
    .default(fallback)
    .transform((value) => {
      const [low, high] = value.split('-').map(Number) as [number, number];
      return { low, high };
    })
    .refine(
      ({ low, high }) => low >= 1024 && high <= 65535 && low <= high,
      'must lie within 1024-65535, low to high',
    );

const labels = z
  .string()
  .default('')
  .transform((value) =>
    Object.fromEntries(
      value
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const [key, ...rest] = pair.split('=');
          return [key as string, rest.join('=')];
        }),
    ),
  );

export const agentConfigSchema = z.object({
  /** Port of /healthz, /readyz and /metrics. */
  PORT: portFromEnv().default(8083),
  HOST: z.string().default('127.0.0.1'),
  /** The gateway: the agent's only way into the control plane. */
  NIMBUS_API_URL: urlFromEnv('http:', 'https:'),
  /** What the agent presents the first time; afterwards it uses its node's own credential. */
  NIMBUS_NODE_JOIN_TOKEN: z.string().min(1).optional(),
  NIMBUS_NODE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be a lower-case DNS name')
    .default(
      hostname()
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '')
        .slice(0, 63) || 'node',
    ),
  /** Where the router and probes reach this node's instances. */
  NIMBUS_NODE_ADDRESS: z.string().default('127.0.0.1'),
  NIMBUS_NODE_CPU_MILLIS: z.coerce
    .number()
    .int()
    .positive()
    .default(cpus().length * 1000),
  NIMBUS_NODE_MEMORY_MB: z.coerce
    .number()
    .int()
    .positive()
    .default(Math.floor(totalmem() / 1048576)),
  /** `key=value,key=value`, for node selectors. */
  NIMBUS_NODE_LABELS: labels,
  /** Runtimes offered; `oci` needs runc (and root). */
  NIMBUS_AGENT_RUNTIMES: z
    .string()
    .default('process,oci')
    .transform((value) => value.split(',').map((item) => item.trim()))
    .pipe(z.array(z.enum(['process', 'oci'])).min(1)),
  /** Ports handed to instances as $PORT. */
  NIMBUS_AGENT_PORT_RANGE: portRange('20000-29999'),
  /** The agent's own files: its credential, instances' handles and logs, unpacked images. */
  NIMBUS_AGENT_STATE_DIR: pathFromEnv('.nimbus/agent'),
  NIMBUS_IMAGE_LAYOUT: pathFromEnv('.nimbus/images'),
  /**
   * How many unpacked images the node keeps, most recently used first, besides those its instances
   * use: an app scaled to zero starts again without a pull while its image is among them.
   */
  NIMBUS_AGENT_IMAGE_CACHE: z.coerce.number().int().min(0).max(MAX_REPORTED_IMAGES).default(20),
  NIMBUS_REGISTRY_URL: urlFromEnv('http:', 'https:').optional(),
  NIMBUS_REGISTRY_USERNAME: z.string().optional(),
  NIMBUS_REGISTRY_PASSWORD: z.string().optional(),
  /** The unprivileged user `oci` instances run as. */
  NIMBUS_INSTANCE_UID: z.coerce.number().int().min(1).default(10_001),
  NIMBUS_INSTANCE_GID: z.coerce.number().int().min(1).default(10_001),
  /** How often a running instance's liveness is checked, and how many failures restart it. */
  NIMBUS_LIVENESS_PERIOD: durationFromEnv('5s'),
  NIMBUS_LIVENESS_FAILURES: z.coerce.number().int().min(1).default(3),
  /**
   * Stop this node's instances when the agent stops. Off by default, as in Kubernetes: instances
   * outlive their agent. The single-machine platform turns it on, so Ctrl-C stops everything.
   */
  NIMBUS_AGENT_STOP_INSTANCES_ON_EXIT: booleanFromEnv().default(false),
  ...logLevelEnv,
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export function loadAgentConfig(env?: NodeJS.ProcessEnv): AgentConfig {
  return loadConfig(agentConfigSchema, env);
}
