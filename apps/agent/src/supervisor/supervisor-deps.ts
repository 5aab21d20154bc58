import type { InstanceStatus } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import type { Runtime, RuntimeHandle, UnpackedImage } from '../runtimes/runtime';

/** What a supervisor needs from the agent around it. */
export interface SupervisorDeps {
  runtimes: Map<string, Runtime>;
  pullImage(repository: string, digest: string): Promise<UnpackedImage>;
  allocatePort(): Promise<number>;
  releasePort(port: number): void;
  /** Where the instance's files go (its runtime's directory). */
  instanceDir(instanceId: string): string;
  /** Persists what is needed to find the instance again after an agent restart (null: forget it). */
  save(instanceId: string, record: SavedInstance | null): Promise<void>;
  report(instanceId: string, status: InstanceStatus): void;
  /** Starts shipping the instance's output; the returned function stops it. */
  followLogs(handle: RuntimeHandle): () => Promise<void>;
  livenessPeriodMs: number;
  livenessFailures: number;
  logger: Logger;
}

/** What survives an agent restart for one instance. */
export interface SavedInstance {
  handle: RuntimeHandle;
  port: number;
  restarts: number;
  startedAt: number;
}
