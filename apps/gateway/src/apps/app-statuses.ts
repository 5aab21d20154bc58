import { FINISHED_PHASES } from '@nimbus/cluster';
import {
  AutoscalerRepository,
  FormationRepository,
  InstanceRepository,
  RolloutRepository,
  type App,
  type Db,
  type TenantScope,
} from '@nimbus/db';
import { appStatus, type AppStatus } from '@nimbus/domain';

/**
 * Each app's status in one word, read for all of `apps` in four queries, whatever their number:
 * a list of apps shows how each is doing without a request per app.
 */
export async function readAppStatuses(
  db: Db,
  scope: TenantScope,
  apps: App[],
): Promise<Map<string, AppStatus>> {
  const ids = apps.map((app) => app.id);
  if (ids.length === 0) return new Map();
  const [formations, instances, rollouts, autoscalers] = await Promise.all([
    new FormationRepository(db).listOfTenantApps(scope, ids),
    new InstanceRepository(db).listCurrent(scope, ids, FINISHED_PHASES),
    new RolloutRepository(db).latestOfApps(scope, ids),
    new AutoscalerRepository(db).listOfApps(scope, ids),
  ]);
  return new Map(
    apps.map((app) => {
      const idle = (type: string) =>
        autoscalers.some(
          (autoscaler) =>
            autoscaler.appId === app.id &&
            autoscaler.processType === type &&
            autoscaler.scaledToZeroAt !== null,
        );
      const status = appStatus({
        deployed: app.currentReleaseVersion !== null,
        rollout: rollouts.find((rollout) => rollout.appId === app.id)?.status ?? null,
        formations: formations
          .filter((formation) => formation.appId === app.id)
          .map((formation) => ({ replicas: formation.replicas, idle: idle(formation.processType) })),
        services: instances
          .filter(
            (instance) =>
              instance.appId === app.id &&
              instance.kind === 'service' &&
              instance.desiredState === 'running' &&
              !instance.drainingSince,
          )
          .map((instance) => ({ ready: instance.ready, crashed: instance.phase === 'crashloop' })),
      });
      return [app.id, status];
    }),
  );
}
