/**
 * The agent's public entry, for what drives it from outside its package (root tests, benches):
 * its runtimes, to stop instances an agent left behind by design.
 */
export { OciRuntime } from './runtimes/oci-runtime';
export type { OciRuntimeOptions } from './runtimes/oci-runtime';
export { ProcessRuntime } from './runtimes/process-runtime';
export type { ProcessRuntimeOptions } from './runtimes/process-runtime';
export type {
  InstanceSpec,
  Runtime,
  RuntimeHandle,
  RuntimeState,
  RuntimeStats,
  UnpackedImage,
} from './runtimes/runtime';
