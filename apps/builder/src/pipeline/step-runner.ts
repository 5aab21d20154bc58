import { runCommand, runInContainer, type RunOptions, type RunResult } from '@nimbus/sandbox';

/** Runs one build step; `writable` names the only directories it may change. */
export type StepRunner = (options: RunOptions & { writable: string[] }) => Promise<RunResult>;

export interface ContainerSandbox {
  /** The unprivileged identity build steps run as. */
  user: { uid: number; gid: number };
  /** runc's state directory for this builder. */
  stateDir: string;
}

/**
 * Build steps run the app's own code: in a runc container (own pid, mount, ipc and uts
 * namespaces, read-only root, no capabilities, an unprivileged user) where the host has one,
 * otherwise as a process group under the same time, memory and process limits.
 */
export function stepRunner(sandbox: ContainerSandbox | null): StepRunner {
  if (!sandbox) return ({ writable: _writable, ...options }) => runCommand(options);
  return (options) => runInContainer({ ...options, user: sandbox.user, stateDir: sandbox.stateDir });
}
