/**
 * The agent's API (served by the gateway under /v1/agent, authenticated with the node's
 * credential): register, renew the lease, list and watch assignments, report status and logs.
 */

/** What an agent says about its node when it registers. */
export interface NodeRegistration {
  name: string;
  /** Where the router and probes reach this node's instances (an IP or host name). */
  address: string;
  capacity: { cpuMillis: number; memoryMb: number };
  labels: Record<string, string>;
  runtimes: RuntimeKind[];
}

export interface RegisteredNode {
  id: string;
  name: string;
  /** The node's credential: shown once, kept by the agent in its state directory. */
  token: string;
  leaseDurationMs: number;
}

export type RuntimeKind = 'process' | 'oci';

/** What an agent may say as it renews its node's lease (agents before it said nothing). */
export interface LeaseRenewal {
  /**
   * Image digests unpacked on the node, most recently used first, at most
   * {@link MAX_REPORTED_IMAGES}: the scheduler prefers a node that has an instance's image.
   */
  cachedImages?: string[];
}

/** How many cached images a lease renewal may name: more than any node keeps, small on the wire. */
export const MAX_REPORTED_IMAGES = 256;

/**
 * How an instance is judged ready for traffic (and alive). An HTTP check declared in the app's
 * app.json, carried by its image, takes the place of the assignment's probe.
 */
export type Probe =
  | { type: 'tcp' }
  | { type: 'http'; path: string }
  /** Nothing to connect to (a worker): ready once it has run this long without exiting. */
  | { type: 'uptime'; ms: number };

/** One instance the control plane wants on this node, with everything needed to run it. */
export interface Assignment {
  instanceId: string;
  tenantId: string;
  appId: string;
  /** Names, for logs and the NIMBUS_* variables. */
  app: { tenant: string; namespace: string; name: string };
  processType: string;
  kind: 'service' | 'oneoff';
  desiredState: 'running' | 'stopped';
  release: {
    version: number;
    imageDigest: string;
    /** The image's repository in the image store: `TENANT_ID/APP_ID`. */
    imageRepository: string;
  };
  /** The command line, run by `sh -c`. */
  command: string;
  /** The release's environment and the NIMBUS_* variables; the agent adds PORT. */
  env: Record<string, string>;
  resources: { cpuMillis: number; memoryMb: number };
  runtime: RuntimeKind;
  readiness: Probe;
  /** Between SIGTERM and SIGKILL when the instance is stopped. */
  gracePeriodMs: number;
  restartPolicy: 'always' | 'never';
  /** Grows with every change; a watch resumes after the last one it saw. */
  resourceVersion: string;
}

export interface AssignmentList {
  items: Assignment[];
  resourceVersion: string;
}

/**
 * One change seen by a watch (server-sent events): `ADDED` and `MODIFIED` carry the assignment
 * as it now is, `REMOVED` only its instance id (the instance is over or gone).
 */
export type AssignmentEvent =
  { type: 'ADDED' | 'MODIFIED'; assignment: Assignment } | { type: 'REMOVED'; instanceId: string };

/** Where an instance is in its life, as its agent sees it. */
export type InstancePhase =
  /** Waiting for a node. */
  | 'pending'
  /** On a node: pulling its image, starting. */
  | 'starting'
  /** Its process runs (ready or not: see `ready`). */
  | 'running'
  /** It keeps exiting and is restarted with growing delays. */
  | 'crashloop'
  /** It ended (a one-off that finished, or an instance that was stopped). */
  | 'exited'
  /** It cannot run (its image cannot be pulled, say). */
  | 'failed'
  /** Its node stopped answering. */
  | 'lost';

/** Phases an instance's process has ended in: it holds no resources and nothing runs for it. */
export const FINISHED_PHASES: InstancePhase[] = ['exited', 'failed', 'lost'];

export interface InstanceStatus {
  phase: InstancePhase;
  ready: boolean;
  restarts: number;
  exitCode: number | null;
  /** A word for why it is where it is: OOMKilled, CrashLoopBackOff, Error, Completed… */
  reason: string | null;
  message: string | null;
  /**
   * Its latest failure in a line, kept across restarts until it is ready again: the exit and
   * the last line it printed ("exit 127, `sh: 1: x: not found`"), or what its check saw
   * ("health check /health answered 404").
   */
  lastFailure: string | null;
  port: number | null;
  usage: { cpuPercent: number; memoryBytes: number } | null;
}

/** One line an instance printed. */
export interface LogEntry {
  instanceId: string;
  stream: 'stdout' | 'stderr';
  line: string;
  /** Milliseconds since the epoch, when the agent read it. */
  at: number;
}

/** One running instance's usage over the last second, as its agent measured it. */
export interface InstanceMetricSample {
  instanceId: string;
  /** CPU used as a fraction of the instance's CPU request (1 = all of it; above 1 when it bursts). */
  cpu: number;
  memoryBytes: number;
  ready: boolean;
}

/** What an agent posts every second: every running instance of its node, measured at `at` (ms). */
export interface InstanceMetricsBatch {
  at: number;
  samples: InstanceMetricSample[];
}
