/** What a namespace's instances use, or would: counts and sizes summed over its formations. */
export interface ResourceTotals {
  instances: number;
  memoryMb: number;
  cpuMillis: number;
}

/** A namespace's quota; null means no limit. */
export interface QuotaLimits {
  maxInstances: number | null;
  maxMemoryMb: number | null;
  maxCpuMillis: number | null;
}

/** Formations of `replicas` instances of a size, summed onto `start`. */
export function totalResources(
  formations: { replicas: number; memoryMb: number; cpuMillis: number }[],
  start: ResourceTotals = { instances: 0, memoryMb: 0, cpuMillis: 0 },
): ResourceTotals {
  return formations.reduce(
    (sum, formation) => ({
      instances: sum.instances + formation.replicas,
      memoryMb: sum.memoryMb + formation.replicas * formation.memoryMb,
      cpuMillis: sum.cpuMillis + formation.replicas * formation.cpuMillis,
    }),
    start,
  );
}

/** What `total` exceeds of `quota`, in words ("5 instances (quota 4)"); empty when it fits. */
export function quotaExcess(total: ResourceTotals, quota: QuotaLimits): string[] {
  const over: string[] = [];
  if (quota.maxInstances !== null && total.instances > quota.maxInstances)
    over.push(`${total.instances} instances (quota ${quota.maxInstances})`);
  if (quota.maxMemoryMb !== null && total.memoryMb > quota.maxMemoryMb)
    over.push(`${total.memoryMb} MB of memory (quota ${quota.maxMemoryMb} MB)`);
  if (quota.maxCpuMillis !== null && total.cpuMillis > quota.maxCpuMillis)
    over.push(`${total.cpuMillis} mCPU (quota ${quota.maxCpuMillis})`);
  return over;
}

/**
 * The most instances of one size that fit beside what the rest of the namespace (`others`) asks
 * for; Infinity when the quota sets no limit.
 */
export function replicasWithinQuota(
  others: ResourceTotals,
  size: { memoryMb: number; cpuMillis: number },
  quota: QuotaLimits,
): number {
  const room = (limit: number | null, used: number, each: number) =>
    limit === null ? Infinity : each <= 0 ? Infinity : Math.max(0, Math.floor((limit - used) / each));
  return Math.min(
    room(quota.maxInstances, others.instances, 1),
    room(quota.maxMemoryMb, others.memoryMb, size.memoryMb),
    room(quota.maxCpuMillis, others.cpuMillis, size.cpuMillis),
  );
}
