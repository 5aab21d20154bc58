/**
 * Where instances run: kube-scheduler's filter and score, in miniature, over an in-memory snapshot of
 * the nodes. Pure and synchronous, so the orchestrator can place a whole reconcile's worth of instances
 * in one go and bind the results, and so it can be tested exhaustively and benchmarked in-process.
 */
import {
  INSUFFICIENT_CPU,
  INSUFFICIENT_MEMORY,
  constraintKey,
  failureText,
  invalidRequest,
  quotaRefusal,
  staticFilter,
  type StaticFilterResult,
} from './scheduler-filters';
import type { NamespaceQuota, Placement, PlacementRequest, SchedulableNode } from './scheduler-types';

export type { NamespaceQuota, Placement, PlacementRequest, SchedulableNode } from './scheduler-types';

/** Kubernetes' MaxNodeScore: each score rates a node from 0 to 100. */
const MAX_SCORE = 100;

/**
 * Spreading's weight against least-allocated's 1, as kube-scheduler weighs PodTopologySpread (2)
 * against NodeResourcesFit (1). A feasible node without the app then scores 200 more for spreading
 * than the feasible node holding the most of it, a lead least-allocated (scores within 100 of each
 * other) cannot overturn, only tie when requests are zero: 3 replicas on 2 nodes go 2+1, never 3+0,
 * and N replicas on N nodes go one each, however loaded the nodes are.
 */
const SPREAD_WEIGHT = 2;

/**
 * Image locality's score, in least-allocated points, for a node that has the instance's image
 * unpacked: kube-scheduler's ImageLocality without image sizes, since having the image saves the
 * whole pull and unpack, the largest step of a cold start. Least-allocated rates a node by its mean
 * free fraction of cpu and memory, 0 to 100, so with equal load the node with the image wins, and a
 * node without it wins only when more than a quarter of its capacity more is free: placement still
 * follows load once the gap is wide, and a node with the image that is nearly full is passed over.
 * Spreading (200 / most per instance) outweighs it, so an app's replicas do not pile onto the nodes
 * that have its image: availability first, then cold start.
 */
const IMAGE_LOCALITY_SCORE = 25;

/**
 * Scores are compared in billionths of a point: nodes whose scores are equal on paper but differ in
 * the last bits of floating point (4000/8192 and 2000/4096 nodes, say) still tie, and go by name.
 */
const SCORE_RESOLUTION = 1e9;

/**
 * Places instances one at a time on a snapshot of the nodes, recording each placement in the snapshot
 * (allocations, app spread, quota use) so later requests see it. The inputs are copied, never changed.
 *
 * Every placement scores every node that passes the filters: exact results, O(nodes) time and no
 * per-node allocation. The filters that never change within a snapshot (readiness, cordon, labels,
 * runtimes) are evaluated once per distinct runtime and node selector, and cached.
 */
export class Scheduler {
  /** Node order is name order, so the first of equally scored nodes wins the tie. */
  private readonly nodes: readonly SchedulableNode[];
  private readonly capacityCpu: Float64Array;
  private readonly capacityMemory: Float64Array;
  /** 1 / capacity (0 for no capacity, which scores as full rather than as NaN). */
  private readonly inverseCpu: Float64Array;
  private readonly inverseMemory: Float64Array;
  private readonly allocatedCpu: Float64Array;
  private readonly allocatedMemory: Float64Array;
  /** App id → node index → instances of the app on the node. */
  private readonly appCounts = new Map<string, Map<number, number>>();
  /** Image digest → indices of the nodes that have it unpacked. */
  private readonly imageNodes = new Map<string, number[]>();
  private readonly quotas = new Map<string, NamespaceQuota>();
  /** Runtime and node selector → what the static filters make of the nodes. */
  private readonly staticFilterCache = new Map<string, StaticFilterResult>();
  private readonly placed = new Map<string, Placement>();
  /** Scratch space reused by every placement: feasible node indices, their scores, app counts by node. */
  private readonly feasible: Int32Array;
  private readonly leastAllocated: Float64Array;
  private readonly appCountByNode: Int32Array;
  private readonly imageScoreByNode: Float64Array;

  constructor(nodes: SchedulableNode[], quotas: NamespaceQuota[] = []) {
    this.nodes = [...nodes].sort(byNameThenId);
    assertUniqueIds(this.nodes);
    const count = this.nodes.length;
    this.capacityCpu = Float64Array.from(this.nodes, (node) => node.capacity.cpuMillis);
    this.capacityMemory = Float64Array.from(this.nodes, (node) => node.capacity.memoryMb);
    this.inverseCpu = this.capacityCpu.map(inverse);
    this.inverseMemory = this.capacityMemory.map(inverse);
    this.allocatedCpu = Float64Array.from(this.nodes, (node) => node.allocated.cpuMillis);
    this.allocatedMemory = Float64Array.from(this.nodes, (node) => node.allocated.memoryMb);
    this.feasible = new Int32Array(count);
    this.leastAllocated = new Float64Array(count);
    this.appCountByNode = new Int32Array(count);
    this.imageScoreByNode = new Float64Array(count);
    this.nodes.forEach((node, index) => {
      this.recordAppInstances(node, index);
      this.recordImages(node, index);
    });
    for (const quota of quotas) this.quotas.set(quota.namespaceId, { ...quota, used: { ...quota.used } });
  }

  /**
   * Places one instance and records it in this snapshot (allocation, app spread, quota use). Placing
   * an instance already placed here returns its placement again without counting it twice.
   */
  place(request: PlacementRequest): Placement {
    const earlier = this.placed.get(request.instanceId);
    if (earlier) return earlier;
    const refusal = invalidRequest(request) ?? quotaRefusal(this.quotas.get(request.namespaceId), request);
    if (refusal !== null) return { instanceId: request.instanceId, nodeId: null, reason: refusal };
    const filtered = this.staticCandidates(request);
    const feasibleCount = this.filterByResources(filtered.candidates, request);
    if (feasibleCount === 0) {
      return { instanceId: request.instanceId, nodeId: null, reason: this.explain(filtered, request) };
    }
    const index = this.bestNode(feasibleCount, request);
    this.record(index, request);
    const placement = { instanceId: request.instanceId, nodeId: this.node(index).id };
    this.placed.set(request.instanceId, placement);
    return placement;
  }

  private node(index: number): SchedulableNode {
    const node = this.nodes[index];
    if (!node) throw new RangeError(`no node at index ${index}`);
    return node;
  }

  private recordAppInstances(node: SchedulableNode, index: number): void {
    for (const [appId, instances] of Object.entries(node.appInstances)) {
      if (instances > 0) this.appCountsOf(appId).set(index, instances);
    }
  }

  private recordImages(node: SchedulableNode, index: number): void {
    for (const digest of new Set(node.cachedImages ?? [])) {
      let indices = this.imageNodes.get(digest);
      if (!indices) this.imageNodes.set(digest, (indices = []));
      indices.push(index);
    }
  }

  private appCountsOf(appId: string): Map<number, number> {
    let counts = this.appCounts.get(appId);
    if (!counts) this.appCounts.set(appId, (counts = new Map()));
    return counts;
  }

  /** The filters a placement cannot change, run once per runtime and node selector. */
  private staticCandidates(request: PlacementRequest): StaticFilterResult {
    const key = constraintKey(request);
    let result = this.staticFilterCache.get(key);
    if (!result) {
      result = staticFilter(this.nodes, request);
      this.staticFilterCache.set(key, result);
    }
    return result;
  }

  /**
   * The hot loop: keeps the candidates with room for the request, in `feasible`, and their
   * least-allocated score (Kubernetes' LeastAllocated: the mean over cpu and memory of the fraction
   * left free after placement, scaled to 0..100) in `leastAllocated`. Returns how many.
   */
  private filterByResources(candidates: Int32Array, request: PlacementRequest): number {
    const { cpuMillis, memoryMb } = request;
    let feasibleCount = 0;
    for (let k = 0; k < candidates.length; k++) {
      // Indices below come from arrays sized to the node count, so every access is in range.
      const index = candidates[k]!;
      const freeCpu = this.capacityCpu[index]! - this.allocatedCpu[index]! - cpuMillis;
      const freeMemory = this.capacityMemory[index]! - this.allocatedMemory[index]! - memoryMb;
      if (freeCpu < 0 || freeMemory < 0) continue;
      this.feasible[feasibleCount] = index;
      this.leastAllocated[feasibleCount] =
        (freeCpu * this.inverseCpu[index]! + freeMemory * this.inverseMemory[index]!) * (MAX_SCORE / 2);
      feasibleCount++;
    }
    return feasibleCount;
  }

  /**
   * The feasible node with the highest least-allocated + weighted spread + image locality score.
   * Spreading scores as kube-scheduler's SelectorSpread: 100 × (most − this node's) / most, where
   * "most" is the largest count of the app's instances on a feasible node (100 everywhere when none
   * has any).
   */
  private bestNode(feasibleCount: number, request: PlacementRequest): number {
    const counts = this.appCounts.get(request.appId);
    counts?.forEach((instances, index) => (this.appCountByNode[index] = instances));
    const withImage =
      request.imageDigest === undefined ? undefined : this.imageNodes.get(request.imageDigest);
    withImage?.forEach((index) => (this.imageScoreByNode[index] = IMAGE_LOCALITY_SCORE));
    let most = 0;
    for (let k = 0; k < feasibleCount; k++) {
      most = Math.max(most, this.appCountByNode[this.feasible[k]!]!);
    }
    const spreadPerInstance = most === 0 ? 0 : (SPREAD_WEIGHT * MAX_SCORE) / most;
    let best = -1;
    let bestScore = -Infinity;
    for (let k = 0; k < feasibleCount; k++) {
      const index = this.feasible[k]!;
      // Spreading is SPREAD_WEIGHT × 100 − spreadPerInstance × count; the constant does not change the order.
      const score = Math.round(
        (this.leastAllocated[k]! -
          spreadPerInstance * this.appCountByNode[index]! +
          this.imageScoreByNode[index]!) *
          SCORE_RESOLUTION,
      );
      // Strictly greater: candidates are in name order, so the first of equals wins the tie.
      if (score > bestScore) {
        bestScore = score;
        best = index;
      }
    }
    counts?.forEach((_, index) => (this.appCountByNode[index] = 0));
    withImage?.forEach((index) => (this.imageScoreByNode[index] = 0));
    return best;
  }

  private record(index: number, request: PlacementRequest): void {
    this.allocatedCpu[index]! += request.cpuMillis;
    this.allocatedMemory[index]! += request.memoryMb;
    const counts = this.appCountsOf(request.appId);
    counts.set(index, (counts.get(index) ?? 0) + 1);
    const used = this.quotas.get(request.namespaceId)?.used;
    if (used) {
      used.instances += 1;
      used.memoryMb += request.memoryMb;
      used.cpuMillis += request.cpuMillis;
    }
  }

  /**
   * Why no node fits, as kube-scheduler words it: `0/3 nodes available: 1 not ready, 2 insufficient
   * memory`. Each node counts under the first filter it fails, except that a node short of both cpu
   * and memory counts under both, so the user sees every resource worth lowering.
   */
  private explain(
    { candidates, failures: staticFailures }: StaticFilterResult,
    request: PlacementRequest,
  ): string {
    if (this.nodes.length === 0) return '0/0 nodes available: no nodes registered';
    const failures = [...staticFailures];
    for (const index of candidates) {
      if (this.allocatedCpu[index]! + request.cpuMillis > this.capacityCpu[index]!) {
        failures[INSUFFICIENT_CPU]! += 1;
      }
      if (this.allocatedMemory[index]! + request.memoryMb > this.capacityMemory[index]!) {
        failures[INSUFFICIENT_MEMORY]! += 1;
      }
    }
    const parts = failures.flatMap((nodes, kind) =>
      nodes ? [`${nodes} ${failureText(kind, request.runtime)}`] : [],
    );
    return `0/${this.nodes.length} nodes available: ${parts.join(', ')}`;
  }
}

function byNameThenId(a: SchedulableNode, b: SchedulableNode): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A placement names its node by id, so two nodes with one id would make it ambiguous. */
function assertUniqueIds(nodes: readonly SchedulableNode[]): void {
  const ids = new Set<string>();
  for (const { id } of nodes) {
    if (ids.has(id)) throw new Error(`Scheduler: node id ${id} appears twice in the snapshot`);
    ids.add(id);
  }
}

function inverse(capacity: number): number {
  return capacity > 0 ? 1 / capacity : 0;
}
