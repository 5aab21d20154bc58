import { describeFailure, describeStall, failedInstance, type RolloutInstance } from './rollout-health';

/** The instance as far as serving goes. */
export interface ServingCandidate {
  ready: boolean;
  phase: string;
}

/** Ready and running, on a node that answers: it serves. */
export function instanceIsAvailable(
  instance: ServingCandidate,
  node: { ready: boolean } | undefined,
): boolean {
  return instance.ready && instance.phase === 'running' && !!node?.ready;
}

/** A service instance that should run, as its rollout sees it. */
export interface RolloutService {
  processType: string;
  releaseVersion: number;
  drainingSince: Date | null;
  /** See {@link instanceIsAvailable}. */
  available: boolean;
}

/**
 * The rollout of release `version` is complete when every process type runs its replicas of that
 * release, all available and none draining, with no instance of another release left.
 */
export function rolloutIsComplete(
  version: number,
  formations: { processType: string; replicas: number }[],
  services: RolloutService[],
): boolean {
  return formations.every((formation) => {
    const ofType = services.filter((i) => i.processType === formation.processType);
    const current = ofType.filter((i) => i.releaseVersion === version && !i.drainingSince);
    return (
      current.length === formation.replicas &&
      current.every((i) => i.available) &&
      ofType.every((i) => i.releaseVersion === version)
    );
  });
}

/** What is to be done with a progressing rollout. */
export type RolloutVerdict =
  | { status: 'complete' }
  /** `reason` for the rollout and its event, `cause` for the rollback's description. */
  | { status: 'failed'; reason: string; cause: string }
  | { status: 'progressing'; recheckInMs: number };

export interface RolloutJudgement<T extends RolloutService & RolloutInstance> {
  version: number;
  formations: { processType: string; replicas: number }[];
  /** The app's service instances that should run. */
  services: T[];
  now: Date;
  deadlineAt: Date;
  /** A new instance failing this many times fails the rollout at once. */
  maxRestarts: number;
  progressDeadlineMs: number;
}

/**
 * Completes a rollout when {@link rolloutIsComplete}, fails it when a new instance keeps failing
 * or its deadline passes first, and otherwise waits, at most until the deadline.
 */
export function judgeRollout<T extends RolloutService & RolloutInstance>(
  input: RolloutJudgement<T>,
): RolloutVerdict {
  const { version, now, deadlineAt } = input;
  if (rolloutIsComplete(version, input.formations, input.services)) return { status: 'complete' };
  const ofRelease = input.services.filter((i) => i.releaseVersion === version && !i.drainingSince);
  // A new instance that keeps failing fails its rollout now: the deadline is for slow starts.
  const failed = failedInstance(ofRelease, input.maxRestarts);
  if (failed || now >= deadlineAt) {
    const cause = failed ? describeFailure(failed) : describeStall(ofRelease);
    const reason = failed
      ? `v${version} failed: ${cause}`
      : `v${version} did not become ready within ${input.progressDeadlineMs / 1000}s: ${cause}`;
    return { status: 'failed', reason, cause };
  }
  return { status: 'progressing', recheckInMs: deadlineAt.getTime() - now.getTime() };
}
