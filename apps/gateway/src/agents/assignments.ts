import { FINISHED_PHASES, type Assignment } from '@nimbus/cluster';
import type { Instance } from '@nimbus/db';

/** What an assignment needs besides its instance row; loaded (and cached) by the caller. */
export interface AssignmentContext {
  app: { tenant: string; namespace: string; name: string; runtime: 'process' | 'oci' };
  release: { version: number; imageDigest: string; processTypes: Record<string, string> };
  /** The release's environment, secrets opened. */
  env: Record<string, string>;
  gracePeriodMs: number;
}

/**
 * Only `web` instances are given a port to answer on (the router sends them traffic); others are
 * ready once they have run this long, so one that dies at once is seen to crash, not to start.
 */
const SETTLE_MS = 2000;

/** Instances an agent has nothing more to do for: over, and not to be started again. */
export function isSettled(instance: Pick<Instance, 'phase' | 'desiredState' | 'kind'>): boolean {
  return (
    FINISHED_PHASES.includes(instance.phase) &&
    (instance.desiredState === 'stopped' || instance.kind === 'oneoff')
  );
}

export function toAssignment(instance: Instance, context: AssignmentContext): Assignment {
  return {
    instanceId: instance.id,
    tenantId: instance.tenantId,
    appId: instance.appId,
    app: { tenant: context.app.tenant, namespace: context.app.namespace, name: context.app.name },
    processType: instance.processType,
    kind: instance.kind,
    desiredState: instance.desiredState,
    release: {
      version: context.release.version,
      imageDigest: context.release.imageDigest,
      imageRepository: `${instance.tenantId}/${instance.appId}`,
    },
    command: instance.command ?? context.release.processTypes[instance.processType] ?? 'false',
    env: {
      ...context.env,
      NIMBUS_APP: context.app.name,
      NIMBUS_RELEASE: `v${context.release.version}`,
      NIMBUS_INSTANCE: instance.id,
      NIMBUS_PROCESS_TYPE: instance.processType,
    },
    resources: { cpuMillis: instance.cpuMillis, memoryMb: instance.memoryMb },
    runtime: context.app.runtime,
    readiness: instance.processType === 'web' ? { type: 'tcp' } : { type: 'uptime', ms: SETTLE_MS },
    gracePeriodMs: context.gracePeriodMs,
    restartPolicy: instance.kind === 'oneoff' ? 'never' : 'always',
    resourceVersion: instance.resourceVersion.toString(),
  };
}
