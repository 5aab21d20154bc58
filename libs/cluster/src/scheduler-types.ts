/** What the scheduler is given and what it answers: see {@link Scheduler}. */

/** A node as the scheduler sees it: what it offers and what is already bound to it. */
export interface SchedulableNode {
  id: string;
  name: string;
  /** Lease fresh (the node answers). */
  ready: boolean;
  cordoned: boolean;
  labels: Record<string, string>;
  /** e.g. `['process', 'oci']`. */
  runtimes: string[];
  capacity: { cpuMillis: number; memoryMb: number };
  /** Requests of the instances already bound to it. */
  allocated: { cpuMillis: number; memoryMb: number };
  /** How many instances of each app (by app id) it already runs: for spreading. */
  appInstances: Record<string, number>;
  /** Image digests unpacked on it, as its agent last reported: a start there skips the pull. */
  cachedImages?: readonly string[];
}

/** A namespace's limits (`null`: unlimited) and what its instances already use. */
export interface NamespaceQuota {
  namespaceId: string;
  maxInstances: number | null;
  maxMemoryMb: number | null;
  maxCpuMillis: number | null;
  used: { instances: number; memoryMb: number; cpuMillis: number };
}

export interface PlacementRequest {
  instanceId: string;
  appId: string;
  namespaceId: string;
  cpuMillis: number;
  memoryMb: number;
  runtime: string;
  /** The instance's image: a node that has it unpacked scores higher (image locality). */
  imageDigest?: string;
  /** Labels the node must carry, every key with exactly this value. */
  nodeSelector?: Record<string, string>;
}

/** A node for the instance, or why there is none, worded for `nimbus ps` and the app's events. */
export type Placement =
  { instanceId: string; nodeId: string } | { instanceId: string; nodeId: null; reason: string };
