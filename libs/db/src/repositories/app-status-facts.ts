import type { App } from '../generated/prisma/client';

/** One app's status facts, as `AppRepository.statusFacts` reads them. */
export interface AppStatusRow {
  appId: string;
  rollout: 'progressing' | 'complete' | 'failed' | null;
  wanted: number;
  idle: boolean;
  ready: number;
  crashed: boolean;
}

/** An app with the facts its status is made of. */
export type AppWithStatusFacts = App & Omit<AppStatusRow, 'appId'>;

/** The columns of {@link AppStatusRow} but its id, for a query over `"App" a`. */
export const STATUS_FACTS_SQL = `
  (SELECT r.status::text FROM "Rollout" r
    WHERE r."appId" = a.id ORDER BY r."createdAt" DESC LIMIT 1) AS rollout,
  (SELECT COALESCE(sum(f.replicas), 0)::int FROM "Formation" f WHERE f."appId" = a.id) AS wanted,
  EXISTS (SELECT 1 FROM "Autoscaler" s
    WHERE s."appId" = a.id AND s."scaledToZeroAt" IS NOT NULL) AS idle,
  (SELECT count(*)::int FROM "Instance" i
    WHERE i."appId" = a.id AND i.kind = 'service' AND i."desiredState" = 'running'
      AND i."drainingSince" IS NULL AND i.ready) AS ready,
  EXISTS (SELECT 1 FROM "Instance" i
    WHERE i."appId" = a.id AND i.kind = 'service' AND i."desiredState" = 'running'
      AND i.phase = 'crashloop') AS crashed`;
