/**
 * The agent's public entry, for what drives it from outside its package (root tests, benches):
 * its runtimes, to stop instances an agent left behind by design; the node agent itself with its
 * control-plane client and image cache, to run one in-process against a test gateway.
 */
export { ControlPlane } from './control/control-plane';
export { ImageCache } from './images/image-cache';
export { NodeAgent } from './node-agent';
export type { NodeAgentOptions } from './node-agent';
export { PortAllocator } from './supervisor/port-allocator';
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
