import { FINISHED_PHASES } from './agent-protocol';
import { planProcess } from './rollout-plan';
import { instanceIsAvailable } from './rollout-status';

/** An instance of the app as replica management sees it. */
export interface ReplicaInstance {
  id: string;
  kind: string;
  processType: string;
  releaseVersion: number;
  desiredState: string;
  phase: string;
  nodeId: string | null;
  /** Taken out of the routers at this time; stopped once the drain delay is over. */
  drainingSince: Date | null;
  ready: boolean;
  evicted: boolean;
  createdAt: Date;
}

/** A process type's formation: its replicas, their size and its rollout strategy. */
export interface ReplicaFormation {
  processType: string;
  replicas: number;
  maxSurge: string;
  maxUnavailable: string;
  cpuMillis: number;
  memoryMb: number;
}

export interface ReplicaPlanInput<T extends ReplicaInstance> {
  now: Date;
  /** Between taking an instance out of the routers and stopping it. */
  drainDelayMs: number;
  /** The app's current release and its process types; null before its first deploy. */
  release: { version: number; processTypes: Readonly<Record<string, string>> } | null;
  formations: ReplicaFormation[];
  /** Every instance of the app. */
  instances: T[];
  /** The nodes by id, for whether an instance serves. */
  nodes: ReadonlyMap<string, { ready: boolean }>;
}

/** New services of one process type of the current release. */
export interface ServicesToCreate {
  processType: string;
  count: number;
  cpuMillis: number;
  memoryMb: number;
}

export interface ReplicaPlan<T extends ReplicaInstance> {
  /** Draining instances whose delay is over. */
  stop: T[];
  /** Ids of instances to take out of the routers now. */
  drain: string[];
  create: ServicesToCreate[];
  /** When to look at the app again at the latest: when a drain delay ends. */
  recheckInMs: number | null;
}

const settledPhases = new Set<string>(FINISHED_PHASES);

/** Instances the app still has, as far as its reconcilers are concerned. */
const isLive = (instance: ReplicaInstance) =>
  instance.desiredState === 'running' && !(instance.kind === 'oneoff' && settledPhases.has(instance.phase));

const minimum = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

/**
 * One step of an app's replica management: stop the draining instances whose delay is over, and
 * per formation of the current release create and drain services by {@link planProcess}. Services
 * of a process type the release no longer has are drained, and all of them without a release.
 */
export function planReplicas<T extends ReplicaInstance>(input: ReplicaPlanInput<T>): ReplicaPlan<T> {
  const { release, nodes } = input;
  let recheckInMs: number | null = null;
  // Draining instances whose delay is over are stopped; others are looked at again when it ends.
  const drainDeadline = input.now.getTime() - input.drainDelayMs;
  const stop: T[] = [];
  for (const instance of input.instances.filter((i) => i.desiredState === 'running' && i.drainingSince)) {
    const since = (instance.drainingSince as Date).getTime();
    if (since <= drainDeadline) stop.push(instance);
    else recheckInMs = minimum(recheckInMs, since - drainDeadline);
  }

  const drain = new Set<string>();
  const create: ServicesToCreate[] = [];
  const services = input.instances.filter((i) => i.kind === 'service' && isLive(i) && !i.drainingSince);
  if (!release) {
    for (const instance of services) drain.add(instance.id);
  } else {
    for (const instance of services)
      if (!(instance.processType in release.processTypes)) drain.add(instance.id);
    for (const formation of input.formations) {
      if (!(formation.processType in release.processTypes)) continue;
      const plan = planProcess({
        replicas: formation.replicas,
        maxSurge: formation.maxSurge,
        maxUnavailable: formation.maxUnavailable,
        currentVersion: release.version,
        instances: services
          .filter((instance) => instance.processType === formation.processType)
          .map((instance) => ({
            id: instance.id,
            releaseVersion: instance.releaseVersion,
            available: instanceIsAvailable(
              instance,
              instance.nodeId ? nodes.get(instance.nodeId) : undefined,
            ),
            evicted: instance.evicted,
            createdAt: instance.createdAt,
          })),
      });
      for (const id of plan.drain) drain.add(id);
      if (plan.create > 0)
        create.push({
          processType: formation.processType,
          count: plan.create,
          cpuMillis: formation.cpuMillis,
          memoryMb: formation.memoryMb,
        });
    }
  }
  if (drain.size) recheckInMs = minimum(recheckInMs, input.drainDelayMs);
  return { stop, drain: [...drain], create, recheckInMs };
}
