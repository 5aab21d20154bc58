import { join } from 'node:path';
import { ConfigError } from '@nimbus/config';
import { createLogger } from '@nimbus/logging';
import { containerSupport } from '@nimbus/sandbox';
import { onShutdown, runService, startHealthServer } from '@nimbus/service';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadAgentConfig, type AgentConfig } from './agent.config';
import { ControlPlane } from './control/control-plane';
import { ImageCache, type ImageSource } from './images/image-cache';
import { shipLogs } from './logs/log-shipping';
import { InstanceMetricsReporter } from './metrics/metrics-reporter';
import { NodeAgent } from './node-agent';
import { OciRuntime } from './runtimes/oci-runtime';
import { ProcessRuntime } from './runtimes/process-runtime';
import type { Runtime } from './runtimes/runtime';
import { PortAllocator } from './supervisor/port-allocator';

function imageSource(config: AgentConfig): ImageSource {
  if (!config.NIMBUS_REGISTRY_URL) return { kind: 'layout', root: config.NIMBUS_IMAGE_LAYOUT };
  const credentials =
    config.NIMBUS_REGISTRY_USERNAME && config.NIMBUS_REGISTRY_PASSWORD
      ? { username: config.NIMBUS_REGISTRY_USERNAME, password: config.NIMBUS_REGISTRY_PASSWORD }
      : undefined;
  return { kind: 'registry', url: config.NIMBUS_REGISTRY_URL, ...(credentials ? { credentials } : {}) };
}

/** Whom instances run as: switching users needs root; elsewhere they run as the agent does. */
function instanceUser(config: AgentConfig): { uid: number; gid: number } | null {
  return process.getuid?.() === 0
    ? { uid: config.NIMBUS_INSTANCE_UID, gid: config.NIMBUS_INSTANCE_GID }
    : null;
}

/** The runtimes asked for that this host can run: `oci` only where runc runs. */
async function runtimesFor(
  config: AgentConfig,
  user: { uid: number; gid: number } | null,
  logger: ReturnType<typeof createLogger>,
): Promise<Map<string, Runtime>> {
  const runtimes = new Map<string, Runtime>();
  if (config.NIMBUS_AGENT_RUNTIMES.includes('process'))
    runtimes.set(
      'process',
      new ProcessRuntime({
        hostPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        ...(user ? { user } : {}),
      }),
    );
  if (config.NIMBUS_AGENT_RUNTIMES.includes('oci')) {
    const support = await containerSupport();
    if (support.available)
      runtimes.set(
        'oci',
        new OciRuntime({
          stateDir: config.NIMBUS_AGENT_STATE_DIR,
          user: { uid: config.NIMBUS_INSTANCE_UID, gid: config.NIMBUS_INSTANCE_GID },
        }),
      );
    else logger.warn({ reason: support.reason }, 'the oci runtime is not available here');
  }
  if (!runtimes.size)
    throw new ConfigError(['NIMBUS_AGENT_RUNTIMES: none of the runtimes asked for can run here']);
  return runtimes;
}

async function main(): Promise<void> {
  const config = loadAgentConfig();
  const logger = createLogger({ service: 'agent', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const user = instanceUser(config);
  const runtimes = await runtimesFor(config, user, logger);
  const images = new ImageCache({
    cacheDir: join(config.NIMBUS_AGENT_STATE_DIR, 'images'),
    source: imageSource(config),
    ...(user ? { owner: user } : {}),
    keep: config.NIMBUS_AGENT_IMAGE_CACHE,
  });
  const controlPlane = new ControlPlane(config.NIMBUS_API_URL);
  const agent = new NodeAgent({
    controlPlane,
    registration: {
      name: config.NIMBUS_NODE_NAME,
      address: config.NIMBUS_NODE_ADDRESS,
      capacity: { cpuMillis: config.NIMBUS_NODE_CPU_MILLIS, memoryMb: config.NIMBUS_NODE_MEMORY_MB },
      labels: config.NIMBUS_NODE_LABELS,
      runtimes: [...runtimes.keys()] as ('process' | 'oci')[],
    },
    joinToken: config.NIMBUS_NODE_JOIN_TOKEN,
    stateDir: config.NIMBUS_AGENT_STATE_DIR,
    runtimes,
    pullImage: (repository, digest) => images.ensure(repository, digest),
    images,
    followLogs: (handle) => shipLogs(controlPlane, handle, logger),
    ports: new PortAllocator(config.NIMBUS_AGENT_PORT_RANGE),
    livenessPeriodMs: config.NIMBUS_LIVENESS_PERIOD,
    livenessFailures: config.NIMBUS_LIVENESS_FAILURES,
    logger,
  });
  const node = await agent.start();
  const metrics = new InstanceMetricsReporter({
    instances: () => agent.running(),
    runtimes,
    send: (batch) => controlPlane.shipMetrics(batch),
    registry,
    logger,
  });
  metrics.start();
  const health = await startHealthServer({
    port: config.PORT,
    host: config.HOST,
    registry,
    checks: { controlPlane: () => controlPlane.renewLease() },
  });
  logger.info({ url: health.url, node: node.name, runtimes: [...runtimes.keys()] }, 'agent ready');

  onShutdown(async (signal) => {
    const stopInstances = config.NIMBUS_AGENT_STOP_INSTANCES_ON_EXIT;
    logger.info(
      { signal, stopInstances },
      stopInstances ? 'agent stopping with its instances' : 'agent stopping; its instances keep running',
    );
    await metrics.stop();
    await agent.stop({ stopInstances });
    await health.close();
  });
}

runService('agent', main);
