/** An instance's cumulative CPU time and when it was read (ms on a monotonic clock). */
export interface CpuReading {
  cpuSeconds: number;
  at: number;
}

/**
 * CPU used between two readings, in cores (1 = one core busy all the time); null when the pair
 * says nothing: no time passed, or the counter went back (a new cgroup: the instance restarted).
 */
export function cpuCores(previous: CpuReading, current: CpuReading): number | null {
  const elapsedSeconds = (current.at - previous.at) / 1000;
  const usedSeconds = current.cpuSeconds - previous.cpuSeconds;
  if (elapsedSeconds <= 0 || usedSeconds < 0) return null;
  return usedSeconds / elapsedSeconds;
}

/**
 * CPU used between two readings as a fraction of the instance's request, as the HPA measures
 * utilisation: 1 is all of `cpuMillis`; more when it uses spare CPU beyond its request.
 */
export function cpuFraction(previous: CpuReading, current: CpuReading, cpuMillis: number): number | null {
  const cores = cpuCores(previous, current);
  return cores === null || cpuMillis <= 0 ? null : cores / (cpuMillis / 1000);
}
