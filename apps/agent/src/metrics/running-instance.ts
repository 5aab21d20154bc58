import type { Assignment } from '@nimbus/cluster';
import type { RuntimeHandle } from '../runtimes/runtime';

/** An instance whose process runs on this node now, as its supervisor knows it. */
export interface RunningInstance {
  assignment: Pick<
    Assignment,
    'instanceId' | 'appId' | 'app' | 'processType' | 'kind' | 'resources' | 'runtime'
  >;
  handle: RuntimeHandle;
  ready: boolean;
}
