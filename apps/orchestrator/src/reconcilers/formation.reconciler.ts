import { planReplicas, type ReplicaPlan } from '@nimbus/cluster';
import {
  EventRepository,
  FormationRepository,
  InstanceRepository,
  NodeInstanceRepository,
  type Db,
  type Formation,
  type Instance,
  type Release,
} from '@nimbus/db';
import type { AppState } from './app-state';
import { isFormationRequests, planFormations } from './formation-plan';
import { recheckWithin, type ReconcileOutcome } from './reconcile-outcome';

/**
 * Formations and replicas: gives the current release's process types their formations, then
 * takes one step of {@link planReplicas}: stops instances drained long enough, drains and creates
 * services so each process type runs its replicas of the current release (a rolling update).
 */
export class FormationReconciler {
  constructor(private readonly drainDelayMs: number) {}

  /** Returns the app's formations, as the rollout judges them. */
  async reconcile(tx: Db, state: AppState, now: Date, outcome: ReconcileOutcome): Promise<Formation[]> {
    const { scope, app, release, instances, nodes } = state;
    const processTypes = (release?.processTypes ?? {}) as Record<string, string>;
    if (release) await this.ensureFormations(tx, state, release, processTypes);
    const formations = await new FormationRepository(tx).list(scope, app.id);
    const plan = planReplicas({
      now,
      drainDelayMs: this.drainDelayMs,
      release: release && { version: release.version, processTypes },
      formations,
      instances,
      nodes: new Map(nodes.map((node) => [node.id, node])),
    });
    await this.apply(tx, state, plan, now, outcome);
    return formations;
  }

  /**
   * Gives the release's process types that have no formation one, from {@link planFormations},
   * and records its note as an event. The app's first deploy is when it has no formation at all:
   * `ps:scale` needs a release, so nothing else makes one earlier.
   */
  private async ensureFormations(
    tx: Db,
    { scope, app }: AppState,
    release: Release,
    processTypes: Record<string, string>,
  ): Promise<void> {
    const missing = Object.keys(processTypes).filter(
      (type) => type !== 'release' && !app.formations.some((formation) => formation.processType === type),
    );
    if (!missing.length) return;
    const formations = new FormationRepository(tx);
    const firstDeploy = app.formations.length === 0;
    const used = firstDeploy
      ? usageOf((await formations.listInNamespace(scope, app.namespaceId)).filter((f) => f.appId !== app.id))
      : { instances: 0, memoryMb: 0, cpuMillis: 0 };
    const plan = planFormations({
      processTypes: missing,
      firstDeploy,
      // Written by the builder from app.json (see FormationRequest); anything else is ignored.
      requested: isFormationRequests(release.formation) ? release.formation : null,
      namespace: app.namespace,
      used,
    });
    await formations.createMissing(scope, app.id, plan.formations);
    if (plan.note) await new EventRepository(tx).recordForApp(scope, app.id, plan.note);
  }

  private async apply(
    tx: Db,
    { scope, app, release }: AppState,
    plan: ReplicaPlan<Instance>,
    now: Date,
    outcome: ReconcileOutcome,
  ): Promise<void> {
    const instances = new InstanceRepository(tx);
    if (plan.drain.length) await instances.drain(scope, plan.drain, now);
    if (plan.recheckInMs !== null) recheckWithin(outcome, plan.recheckInMs);
    if (plan.stop.length) {
      const ids = plan.stop.map((i) => i.id);
      await instances.stop(scope, ids);
      await new NodeInstanceRepository(tx).bumpVersions(scope, ids);
      for (const instance of plan.stop) if (instance.nodeId) outcome.nodes.add(instance.nodeId);
      // Never scheduled: nothing will report it stopped, so it is settled here.
      const unplaced = plan.stop.filter((i) => !i.nodeId).map((i) => i.id);
      if (unplaced.length) await instances.settleUnplaced(scope, unplaced, now);
    }
    if (!release) return;
    for (const item of plan.create)
      await instances.createServices(scope, {
        appId: app.id,
        namespaceId: app.namespaceId,
        processType: item.processType,
        releaseVersion: release.version,
        cpuMillis: item.cpuMillis,
        memoryMb: item.memoryMb,
        count: item.count,
      });
  }
}

/** What formations ask for: the same sum `ps:scale` checks. */
function usageOf(formations: Pick<Formation, 'replicas' | 'memoryMb' | 'cpuMillis'>[]) {
  return formations.reduce(
    (sum, f) => ({
      instances: sum.instances + f.replicas,
      memoryMb: sum.memoryMb + f.replicas * f.memoryMb,
      cpuMillis: sum.cpuMillis + f.replicas * f.cpuMillis,
    }),
    { instances: 0, memoryMb: 0, cpuMillis: 0 },
  );
}
