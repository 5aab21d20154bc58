import {
  AppRepository,
  InstanceRepository,
  NodeRepository,
  ReleaseRepository,
  scopeOfRow,
  type Db,
  type SystemScope,
} from '@nimbus/db';
import type { ReleaseCutter } from '@nimbus/releases';
import type { OrchestratorConfig } from '../orchestrator.config';
import type { AppState } from './app-state';
import { FormationReconciler } from './formation.reconciler';
import { PostdeployReconciler } from './postdeploy.reconciler';
import { emptyOutcome, type ReconcileOutcome } from './reconcile-outcome';
import { RolloutReconciler } from './rollout.reconciler';
import { ScheduleReconciler } from './schedule.reconciler';

/**
 * One app's reconcile: reads its desired state (current release, formations) and observed state
 * (instances, nodes) and takes one step toward the first, in the leader's fenced transaction, by
 * the per-concern reconcilers in this order: formations and replicas, rollout, postdeploy,
 * scheduling. Running it again on the same state changes nothing.
 */
export class AppReconciler {
  private readonly formations: FormationReconciler;
  private readonly rollouts: RolloutReconciler;
  private readonly postdeploys = new PostdeployReconciler();
  private readonly schedule: ScheduleReconciler;

  constructor(
    private readonly system: SystemScope,
    config: OrchestratorConfig,
    releases: ReleaseCutter,
  ) {
    this.formations = new FormationReconciler(config.NIMBUS_DRAIN_DELAY);
    this.rollouts = new RolloutReconciler(system, config, releases);
    this.schedule = new ScheduleReconciler(system, config.NIMBUS_NODE_LEASE_DURATION);
  }

  async reconcile(tx: Db, appId: string, now: Date): Promise<ReconcileOutcome> {
    const outcome = emptyOutcome();
    const state = await this.read(tx, appId);
    if (!state) return outcome;
    const { scope, app, release, nodes } = state;
    const formations = await this.formations.reconcile(tx, state, now, outcome);
    if (release) {
      await this.rollouts.reconcile(tx, scope, app, release.version, formations, now, outcome);
      await this.postdeploys.reconcile(tx, scope, app);
    }
    await this.schedule.reconcile(tx, scope, app, nodes, outcome);
    return outcome;
  }

  private async read(tx: Db, appId: string): Promise<AppState | null> {
    const app = await new AppRepository(tx).findForReconcile(this.system, appId);
    if (!app) return null;
    const scope = scopeOfRow(this.system, app);
    const instances = await new InstanceRepository(tx).listOfApp(scope, appId);
    const nodes = await new NodeRepository(tx).list(this.system);
    const release =
      app.currentReleaseVersion === null
        ? null
        : await new ReleaseRepository(tx).find(scope, appId, app.currentReleaseVersion);
    return { scope, app, release, instances, nodes };
  }
}
