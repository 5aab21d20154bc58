import type { InstanceStatus } from './agent-protocol';

/** What the rollout's judgement needs to know of an instance of the release it rolls out: its last status. */
export type RolloutInstance = Pick<
  InstanceStatus,
  'ready' | 'restarts' | 'exitCode' | 'reason' | 'message' | 'lastFailure'
> & { processType: string; phase: string };

/**
 * Why an instance ends that only the app can mend: it exited, ran out of memory, or failed its
 * checks. An image that could not be pulled or a start the node refused may go through next time,
 * so those are left to the progress deadline.
 */
const APP_FAILURES = new Set(['Error', 'OOMKilled', 'Unhealthy', 'CrashLoopBackOff']);

/**
 * The first instance that the app itself has made fail `maxRestarts` times without becoming
 * ready: its release will not serve, and waiting out the progress deadline would only delay
 * saying so.
 */
export function failedInstance<T extends RolloutInstance>(instances: T[], maxRestarts: number): T | null {
  return (
    instances.find(
      (instance) =>
        !instance.ready &&
        instance.restarts >= maxRestarts &&
        instance.reason !== null &&
        APP_FAILURES.has(instance.reason),
    ) ?? null
  );
}

/** "web crashed: exit 127, `sh: 1: x: not found`", "web failed its health check: …". */
export function describeFailure(instance: RolloutInstance): string {
  const detail =
    instance.lastFailure ??
    (instance.exitCode !== null ? `exit ${instance.exitCode}` : (instance.reason ?? instance.phase));
  switch (instance.reason) {
    case 'Unhealthy':
      return `${instance.processType} failed its health check: ${detail}`;
    case 'ImagePullError':
    case 'StartError':
      return `${instance.processType} could not start: ${detail}`;
    default:
      return `${instance.processType} crashed: ${detail}`;
  }
}

/** Why a release's instances are not all ready, for the rollback's event. */
export function describeStall(instances: RolloutInstance[]): string {
  const causes = new Map<string, number>();
  for (const instance of instances.filter((i) => !i.ready)) {
    const base = instance.reason
      ? `${instance.reason}${instance.exitCode !== null ? ` (exit ${instance.exitCode})` : ''}${instance.message && instance.reason === 'Unschedulable' ? `: ${instance.message}` : ''}`
      : `${instance.phase}, not ready`;
    const cause = instance.lastFailure ? `${base}: ${instance.lastFailure}` : base;
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  if (!causes.size) return 'old instances could not be retired';
  return [...causes]
    .map(([cause, count]) => `${count} instance${count === 1 ? '' : 's'} ${cause}`)
    .join('; ');
}
