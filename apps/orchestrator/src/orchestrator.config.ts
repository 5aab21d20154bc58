import { hostname } from 'node:os';
import { z } from 'zod';
import {
  databaseEnv,
  durationFromEnv,
  edgeKeyEnv,
  loadConfig,
  logLevelEnv,
  masterKeysEnv,
  portFromEnv,
  redisEnv,
} from '@nimbus/config';
import { parseEdgeKey, parseMasterKey } from '@nimbus/crypto';

export const orchestratorConfigSchema = z.object({
  /** Port of /healthz, /readyz and /metrics. */
  PORT: portFromEnv().default(8082),
  HOST: z.string().default('127.0.0.1'),
  ...databaseEnv,
  ...redisEnv,
  /**
   * An automatic rollback restores the app's own config: it opens the target release's snapshot
   * and seals the app's secrets again under the tenant's key.
   */
  ...masterKeysEnv(parseMasterKey),
  /** Apps' certificate keys are opened with the master key and sealed again with this for the routers. */
  ...edgeKeyEnv(parseEdgeKey),
  /** Apps answer at APP.NAMESPACE.TENANT.NIMBUS_DOMAIN: the router's table is keyed by it. */
  NIMBUS_DOMAIN: z.string().default('localhost'),
  /** This orchestrator's name in the leader lease. */
  NIMBUS_ORCHESTRATOR_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** A leader that has not renewed for this long is replaced. */
  NIMBUS_LEADER_LEASE: durationFromEnv('5s'),
  /** Every reconciler looks at everything this often, whatever it was told. */
  NIMBUS_RESYNC: durationFromEnv('5s'),
  /** A node whose agent has not renewed its lease for this long is NotReady. */
  NIMBUS_NODE_LEASE_DURATION: durationFromEnv('10s'),
  /** A rollout not done by then is rolled back. */
  NIMBUS_PROGRESS_DEADLINE: durationFromEnv('120s'),
  /** A rollout fails (and is rolled back) at once when a new instance has failed this many times. */
  NIMBUS_ROLLOUT_MAX_RESTARTS: z.coerce.number().int().min(1).default(2),
  /** Between taking an instance out of the routers and stopping it: routers catch up meanwhile. */
  NIMBUS_DRAIN_DELAY: durationFromEnv('2s'),
  /** Settled instances (stopped, finished one-offs) are forgotten after this. */
  NIMBUS_INSTANCE_RETENTION: durationFromEnv('1h'),
  /**
   * Usage (instance-seconds, requests) is persisted this often, each counted once behind a
   * cursor: a Redis loss costs the request counts not yet persisted, about this long plus a minute.
   */
  NIMBUS_USAGE_INTERVAL: durationFromEnv('60s'),
  /** The autoscaler looks at every autoscaled process type this often, and on fresh metrics (Kubernetes: 15 s). */
  NIMBUS_AUTOSCALE_SYNC_PERIOD: durationFromEnv('1s'),
  /** A metric within this ratio of its target changes nothing (Kubernetes' 0.1). */
  NIMBUS_AUTOSCALE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.1),
  /** CPU is each instance's mean over this window (samples arrive every second). */
  NIMBUS_AUTOSCALE_CPU_WINDOW: durationFromEnv('3s'),
  /** Concurrency and request rate are averaged over this window (Knative's stable window). */
  NIMBUS_AUTOSCALE_STABLE_WINDOW: durationFromEnv('60s'),
  /** Knative's panic window: concurrency over it at NIMBUS_AUTOSCALE_PANIC_THRESHOLD × target scales up at once. */
  NIMBUS_AUTOSCALE_PANIC_WINDOW: durationFromEnv('6s'),
  NIMBUS_AUTOSCALE_PANIC_THRESHOLD: z.coerce.number().min(1).max(10).default(2),
  /** How long the short windows of metrics stay in Redis. */
  NIMBUS_METRICS_RETENTION: durationFromEnv('1h'),
  ...logLevelEnv,
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;

export function loadOrchestratorConfig(env?: NodeJS.ProcessEnv): OrchestratorConfig {
  return loadConfig(orchestratorConfigSchema, env);
}
