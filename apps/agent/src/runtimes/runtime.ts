import type { HttpCheck } from '@nimbus/domain';
import type { RuntimeKind } from '@nimbus/cluster';

/** An image unpacked on this node: its root filesystem and what its config says. */
export interface UnpackedImage {
  digest: string;
  /** The root filesystem (read-only by convention: instances never write to it). */
  rootfs: string;
  /** From the image config: environment (KEY=VALUE resolved to a record) and working directory. */
  env: Record<string, string>;
  workingDir: string;
  /** HTTP readiness paths per process type, as the app's app.json declares them. */
  healthChecks: Record<string, HttpCheck>;
}

/** What a runtime needs to start one instance. */
export interface InstanceSpec {
  instanceId: string;
  image: UnpackedImage;
  /** Run by `sh -c` in the image's working directory. */
  command: string;
  /** The whole environment on top of the image's (PORT included); nothing of the agent's leaks in. */
  env: Record<string, string>;
  resources: { cpuMillis: number; memoryMb: number };
  /** Where this instance's files live (log files, bundle): created by the runtime, removed by `remove`. */
  dir: string;
}

/**
 * What the agent keeps about a started instance, in its state directory, to find it again after
 * the agent restarts: plain JSON.
 */
export interface RuntimeHandle {
  instanceId: string;
  runtime: RuntimeKind;
  /** The instance's main process on the host (for `process`) or the container's id (for `oci`). */
  pid?: number;
  /** Start time of `pid` (from /proc/PID/stat) so a reused pid is never mistaken for it. */
  pidStartTicks?: number;
  containerId?: string;
  dir: string;
  /** Files its stdout and stderr go to; the agent tails them into log events. */
  stdoutPath: string;
  stderrPath: string;
}

export type RuntimeState =
  { running: true } | { running: false; exitCode: number | null; signal: string | null; oomKilled: boolean };

export interface RuntimeStats {
  /** CPU time used so far, all processes of the instance together. */
  cpuSeconds: number;
  memoryBytes: number;
}

/**
 * The agent's container runtime interface: `process` (a process group on the host) and `oci`
 * (a runc container). Instances outlive the agent: started detached, found again by handle.
 */
export interface Runtime {
  readonly kind: RuntimeKind;
  start(spec: InstanceSpec): Promise<RuntimeHandle>;
  state(handle: RuntimeHandle): Promise<RuntimeState>;
  /** SIGTERM, then SIGKILL after `gracePeriodMs` if it still runs; resolves once it has ended. */
  stop(handle: RuntimeHandle, gracePeriodMs: number): Promise<void>;
  /** Frees what the instance held (the container, its directory); it must have ended. */
  remove(handle: RuntimeHandle): Promise<void>;
  stats(handle: RuntimeHandle): Promise<RuntimeStats | null>;
}
