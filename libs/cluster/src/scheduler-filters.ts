/**
 * The scheduler's filters and their reasons: which nodes an instance may not go to, and why, in
 * the words of kube-scheduler. Pure functions over a snapshot of the nodes.
 */
import type { NamespaceQuota, PlacementRequest, SchedulableNode } from './scheduler-types';

/** Why a node was filtered out, in filter order: the reason text counts nodes per kind in this order. */
const NOT_READY = 0;
const CORDONED = 1;
const SELECTOR_MISMATCH = 2;
const NO_RUNTIME = 3;
export const INSUFFICIENT_CPU = 4;
export const INSUFFICIENT_MEMORY = 5;
const FAILURE_KINDS = 6;

/** The nodes that pass the filters a placement cannot change, and how many failed each of those. */
export interface StaticFilterResult {
  /** Node indices, in name order. */
  candidates: Int32Array;
  /** Nodes per failure kind. */
  failures: number[];
}

export const failureText = (kind: number, runtime: string): string =>
  [
    'not ready',
    'cordoned',
    'not matching the node selector',
    `without the ${runtime} runtime`,
    'insufficient cpu',
    'insufficient memory',
  ][kind] ?? 'unknown';

/** Runs the filters a placement cannot change over every node. */
export function staticFilter(
  nodes: readonly SchedulableNode[],
  request: PlacementRequest,
): StaticFilterResult {
  const candidates: number[] = [];
  const failures = new Array<number>(FAILURE_KINDS).fill(0);
  nodes.forEach((node, index) => {
    const failure = staticFailure(node, request);
    if (failure === null) candidates.push(index);
    else failures[failure]! += 1;
  });
  return { candidates: Int32Array.from(candidates), failures };
}

/** Every namespace limit the request would break: checked once per request, before any node. */
export function quotaRefusal(quota: NamespaceQuota | undefined, request: PlacementRequest): string | null {
  if (!quota) return null;
  const { used } = quota;
  const exceeded: string[] = [];
  if (quota.maxInstances !== null && used.instances + 1 > quota.maxInstances) {
    exceeded.push(`instances ${used.instances}/${quota.maxInstances} in use`);
  }
  if (quota.maxMemoryMb !== null && used.memoryMb + request.memoryMb > quota.maxMemoryMb) {
    exceeded.push(
      `memory ${used.memoryMb}/${quota.maxMemoryMb} MiB in use, ${request.memoryMb} MiB more requested`,
    );
  }
  if (quota.maxCpuMillis !== null && used.cpuMillis + request.cpuMillis > quota.maxCpuMillis) {
    exceeded.push(
      `cpu ${used.cpuMillis}/${quota.maxCpuMillis} millicores in use, ${request.cpuMillis} more requested`,
    );
  }
  return exceeded.length ? `namespace quota exceeded: ${exceeded.join('; ')}` : null;
}

/** A request the filters cannot judge (the numbers would slip through or poison the scores). */
export function invalidRequest(request: PlacementRequest): string | null {
  for (const field of ['cpuMillis', 'memoryMb'] as const) {
    const value = request[field];
    if (!Number.isFinite(value) || value < 0) {
      return `invalid request: ${field} must be a number >= 0, not ${value}`;
    }
  }
  return null;
}

/**
 * Requests with the same runtime and node selector pass the static filters on the same nodes. JSON
 * keeps the key unambiguous whatever characters the labels hold.
 */
export function constraintKey(request: PlacementRequest): string {
  const pairs = Object.entries(request.nodeSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([request.runtime, pairs]);
}

/** The first filter that never changes within a snapshot that the node fails, or null. */
function staticFailure(node: SchedulableNode, request: PlacementRequest): number | null {
  if (!node.ready) return NOT_READY;
  if (node.cordoned) return CORDONED;
  if (!matchesSelector(node.labels, request.nodeSelector)) return SELECTOR_MISMATCH;
  if (!node.runtimes.includes(request.runtime)) return NO_RUNTIME;
  return null;
}

function matchesSelector(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(
    ([key, value]) => Object.hasOwn(labels, key) && labels[key] === value,
  );
}
