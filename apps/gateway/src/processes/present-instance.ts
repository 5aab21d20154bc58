import type { Instance, Node } from '@nimbus/db';

/** What `ps` shows of an instance: its state in one word, as Heroku shows a dyno's. */
export function presentInstance(instance: Instance, node: Node | null) {
  return {
    id: instance.id,
    type: instance.processType,
    kind: instance.kind,
    release: instance.releaseVersion,
    state: stateOf(instance),
    ready: instance.ready,
    node: node?.name ?? null,
    restarts: instance.restarts,
    exitCode: instance.exitCode,
    reason: instance.reason,
    message: instance.message,
    cpuPercent: instance.cpuPercent,
    memoryBytes: instance.memoryBytes === null ? null : Number(instance.memoryBytes),
    since: (
      instance.finishedAt ??
      instance.readyAt ??
      instance.startedAt ??
      instance.createdAt
    ).toISOString(),
  };
}

type InstanceState =
  | 'pending'
  | 'starting'
  | 'up'
  | 'running'
  | 'crashed'
  | 'draining'
  | 'stopping'
  | 'exited'
  | 'failed'
  | 'lost';

function stateOf(instance: Instance): InstanceState {
  if (instance.phase === 'lost') return 'lost';
  if (instance.desiredState === 'stopped')
    return instance.phase === 'exited' || instance.phase === 'failed' ? 'exited' : 'stopping';
  if (instance.drainingSince) return 'draining';
  if (instance.phase === 'crashloop') return 'crashed';
  if (instance.phase === 'running') return instance.ready || instance.kind === 'oneoff' ? 'up' : 'running';
  return instance.phase;
}
