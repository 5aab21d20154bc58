/** An instance as the replica and rollout logic sees it. */
export interface PlannedInstance {
  id: string;
  releaseVersion: number;
  /** Ready, on a node that answers: it serves. */
  available: boolean;
  /** Asked to leave its node; counts as old until replaced. */
  evicted: boolean;
  createdAt: Date;
}

export interface ProcessPlanInput {
  replicas: number;
  /** Absolute (`1`) or a percentage of replicas (`25%`), as in Kubernetes. */
  maxSurge: string;
  maxUnavailable: string;
  currentVersion: number;
  /** The process type's running service instances that are not draining already. */
  instances: PlannedInstance[];
}

export interface ProcessPlan {
  /** New instances of the current release to create now. */
  create: number;
  /** Instances to take out of service (drain, then stop). */
  drain: string[];
}

/** `25%` of 3 → 1 (rounded as Kubernetes does: surge up, unavailability down). */
export function resolveBudget(value: string, replicas: number, round: 'up' | 'down'): number {
  const percent = /^(\d+)%$/.exec(value);
  if (!percent) return Math.max(0, Number.parseInt(value, 10) || 0);
  const exact = (replicas * Number(percent[1])) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/** Least useful first: not serving before serving, then the newest (it has proved least). */
const byExpendability = (a: PlannedInstance, b: PlannedInstance) =>
  Number(a.available) - Number(b.available) || b.createdAt.getTime() - a.createdAt.getTime();

/**
 * One step of Kubernetes' rolling update for one process type: create instances of the current
 * release up to replicas + maxSurge, and retire old ones only while at least replicas -
 * maxUnavailable instances serve. With the defaults (25% / 0) capacity never drops: old
 * instances go only as new ones become ready. Idempotent: run again on the same state, it asks
 * for nothing more.
 */
export function planProcess(input: ProcessPlanInput): ProcessPlan {
  const { replicas, currentVersion, instances } = input;
  let surge = resolveBudget(input.maxSurge, replicas, 'up');
  const unavailable = resolveBudget(input.maxUnavailable, replicas, 'down');
  // Both zero could never make progress; Kubernetes refuses it, we allow one extra.
  if (surge === 0 && unavailable === 0) surge = 1;

  const fresh = instances.filter(
    (instance) => instance.releaseVersion === currentVersion && !instance.evicted,
  );
  const stale = instances.filter((instance) => !fresh.includes(instance));
  const drain: string[] = [];

  if (fresh.length > replicas) {
    drain.push(
      ...[...fresh]
        .sort(byExpendability)
        .slice(0, fresh.length - replicas)
        .map((instance) => instance.id),
    );
  }
  const keptFresh = fresh.length - drain.length;
  const create =
    stale.length === 0
      ? Math.max(0, replicas - keptFresh)
      : Math.max(0, Math.min(replicas - keptFresh, replicas + surge - (keptFresh + stale.length)));

  // Old instances that do not serve cost nothing to remove; serving ones go only while enough serve.
  const serving = instances.filter((instance) => instance.available && !drain.includes(instance.id)).length;
  let removable = Math.max(0, serving - (replicas - unavailable));
  for (const instance of [...stale].sort(byExpendability)) {
    if (!instance.available) drain.push(instance.id);
    else if (removable > 0) {
      drain.push(instance.id);
      removable -= 1;
    }
  }
  return { create, drain };
}
