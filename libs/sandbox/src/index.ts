export { runCommand } from './run-command';
export type { RunLimits, RunOptions, RunResult } from './run-command';
export { cgroupSupport } from './cgroups';
export { runInContainer } from './run-in-container';
export type { ContainerRunOptions } from './run-in-container';
export { containerPreconditions, containerSupport } from './container-support';
export type { ContainerSupport } from './container-support';
export { ociSpec } from './oci-spec';
export type { BindMount, OciMount, OciSpec, OciSpecOptions } from './oci-spec';
