import { instanceIsAvailable, judgeRollout } from '@nimbus/cluster';
import {
  EventRepository,
  InstanceRepository,
  NodeRepository,
  RolloutRepository,
  type AppWithContext,
  type Db,
  type SystemScope,
  type TenantScope,
} from '@nimbus/db';
import type { ReleaseCutter } from '@nimbus/releases';
import type { OrchestratorConfig } from '../orchestrator.config';
import { recheckWithin, type ReconcileOutcome } from './reconcile-outcome';

type RolloutConfig = Pick<OrchestratorConfig, 'NIMBUS_PROGRESS_DEADLINE' | 'NIMBUS_ROLLOUT_MAX_RESTARTS'>;

/**
 * Records a rollout per current release, completes it when the release serves as formed (see
 * {@link judgeRollout}), and rolls it back when a new instance keeps failing or its deadline
 * passes first.
 */
export class RolloutReconciler {
  constructor(
    private readonly system: SystemScope,
    private readonly config: RolloutConfig,
    private readonly releases: ReleaseCutter,
  ) {}

  async reconcile(
    tx: Db,
    scope: TenantScope,
    app: AppWithContext,
    version: number,
    formations: { processType: string; replicas: number }[],
    now: Date,
    outcome: ReconcileOutcome,
  ): Promise<void> {
    const rollouts = new RolloutRepository(tx);
    const events = new EventRepository(tx);
    let rollout = await rollouts.latestOfRelease(scope, app.id, version);
    if (!rollout) {
      const previous = await rollouts.latest(scope, app.id);
      rollout = await rollouts.start(scope, {
        appId: app.id,
        releaseVersion: version,
        previousVersion:
          previous?.status === 'complete' ? previous.releaseVersion : (previous?.previousVersion ?? null),
        deadlineAt: new Date(now.getTime() + this.config.NIMBUS_PROGRESS_DEADLINE),
      });
      await events.recordForApp(scope, app.id, {
        type: 'Normal',
        reason: 'RolloutStarted',
        message: `rolling out v${version}`,
      });
    }
    if (rollout.status !== 'progressing') return;
    const services = await new InstanceRepository(tx).listRunningServices(scope, app.id);
    const nodes = new Map((await new NodeRepository(tx).list(this.system)).map((node) => [node.id, node]));
    const verdict = judgeRollout({
      version,
      formations,
      services: services.map((instance) => ({
        ...instance,
        available: instanceIsAvailable(instance, instance.nodeId ? nodes.get(instance.nodeId) : undefined),
      })),
      now,
      deadlineAt: rollout.deadlineAt,
      maxRestarts: this.config.NIMBUS_ROLLOUT_MAX_RESTARTS,
      progressDeadlineMs: this.config.NIMBUS_PROGRESS_DEADLINE,
    });
    switch (verdict.status) {
      case 'progressing':
        recheckWithin(outcome, verdict.recheckInMs);
        return;
      case 'complete':
        await rollouts.complete(scope, rollout.id, now);
        await events.recordForApp(scope, app.id, {
          type: 'Normal',
          reason: 'RolloutComplete',
          message: `v${version} is running`,
        });
        return;
      case 'failed': {
        await rollouts.fail(scope, rollout.id, verdict.reason, now);
        const previous = rollout.previousVersion;
        if (previous === null) {
          await events.recordForApp(scope, app.id, {
            type: 'Warning',
            reason: 'RolloutFailed',
            message: `${verdict.reason}; no earlier release to roll back to`,
          });
          return;
        }
        const why = `v${version} failed: ${verdict.cause}`;
        // The API's rollback rule (ReleaseCutter.rollback): vK's image and environment, and the
        // app's own config restored to vK's, so `config` shows what runs.
        const description = `Rollback to v${previous} (${why})`.slice(0, 500);
        const { version: rolledBack } = await this.releases.rollback(
          tx,
          scope,
          app.id,
          previous,
          description,
          null,
        );
        await events.recordForApp(scope, app.id, {
          type: 'Warning',
          reason: 'RolloutFailed',
          message: `${verdict.reason}; rolled back to v${previous} as v${rolledBack}`,
        });
        // The rollback's release is the app's current one now: look at it at once.
        recheckWithin(outcome, 0);
      }
    }
  }
}
