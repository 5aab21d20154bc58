import { AppRepository, type App, type AppWithStatusFacts, type Db, type TenantScope } from '@nimbus/db';
import { appStatus, type AppStatus } from '@nimbus/domain';

/**
 * Each app's status in one word, read for all of `apps` in one query, whatever their number: a
 * list of apps shows how each is doing without a request, or a query, per app.
 */
export async function readAppStatuses(
  db: Db,
  scope: TenantScope,
  apps: App[],
): Promise<Map<string, AppStatus>> {
  const rows = await new AppRepository(db).statusFacts(
    scope,
    apps.map((app) => app.id),
  );
  const deployed = new Set(apps.filter((app) => app.currentReleaseVersion !== null).map((app) => app.id));
  return new Map(
    rows.map(({ appId, ...facts }) => [appId, appStatus({ ...facts, deployed: deployed.has(appId) })]),
  );
}

/** The status of an app read with its facts (`AppListQuery`). */
export function statusOfListed({
  rollout,
  wanted,
  idle,
  ready,
  crashed,
  currentReleaseVersion,
}: AppWithStatusFacts): AppStatus {
  return appStatus({ rollout, wanted, idle, ready, crashed, deployed: currentReleaseVersion !== null });
}
