import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import { Prisma } from '../generated/prisma/client';

/** The one cursor of instance-seconds: how far every instance's running time has been counted. */
const INSTANCES_CURSOR = 'instances';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a tenant's usage is read over: hours that start in [from rounded down to its hour, to). */
export interface UsageRange {
  from: Date;
  to: Date;
  /** Only this namespace's apps (a token limited to one namespace sees no other). */
  namespaceId?: string;
  /** One row per hour; otherwise summed over the range. */
  byHour: boolean;
}

interface UsageOwner {
  namespaceId: string;
  namespaceName: string;
  appId: string;
  appName: string;
  /** The hour (UTC) with `byHour`, else null. */
  hour: Date | null;
}

export interface InstanceUsageSum extends UsageOwner {
  memoryMb: number;
  cpuMillis: number;
  instanceSeconds: number;
}

export interface RequestUsageSum extends UsageOwner {
  requests: bigint;
}

/**
 * Usage per app per hour: what a multi-tenant operator bills or caps. The control plane adds to
 * it (instance-seconds from the instances' running spans, requests from the routers' counters);
 * tenants read their own. Rows keep the app's and namespace's names because they outlive both.
 */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  /**
   * The control plane's, in its fenced transaction: until when instance-seconds are counted,
   * locked until the transaction ends; null before the first count.
   */
  async accountedUntil(_system: SystemScope): Promise<Date | null> {
    const rows = await this.db.$queryRaw<{ accountedUntil: Date }[]>`
      SELECT "accountedUntil" FROM "UsageCursor" WHERE id = ${INSTANCES_CURSOR} FOR UPDATE`;
    return rows[0]?.accountedUntil ?? null;
  }

  /** The control plane's: when the longest-running instance that still runs started, if any does. */
  async earliestRunningStart(_system: SystemScope): Promise<Date | null> {
    const found = await this.db.instance.aggregate({
      where: { startedAt: { not: null }, finishedAt: null },
      _min: { startedAt: true },
    });
    return found._min.startedAt;
  }

  /**
   * The control plane's: adds every instance's running time within [from, to), split at UTC hours,
   * to its app's usage by size, and moves the cursor to `to`: call it in the transaction that read the
   * cursor, so a span is counted once whoever leads.
   * Only time with `startedAt` set counts: pending and pulling cost nothing. Returns the rows added to.
   */
  async accountInstances(_system: SystemScope, from: Date, to: Date): Promise<number> {
    const touched = await this.db.$executeRaw`
      WITH spans AS (
        SELECT i."tenantId", i."namespaceId", i."appId", i."memoryMb", i."cpuMillis",
               GREATEST(i."startedAt", ${from}::timestamptz) AS "start",
               LEAST(COALESCE(i."finishedAt", ${to}::timestamptz), ${to}::timestamptz) AS "end"
        FROM "Instance" i
        WHERE i."startedAt" IS NOT NULL AND i."startedAt" < ${to}::timestamptz
          AND (i."finishedAt" IS NULL OR i."finishedAt" > ${from}::timestamptz)
      ), pieces AS (
        SELECT s.*, h.hour,
               EXTRACT(EPOCH FROM LEAST(s."end", h.hour + interval '1 hour') - GREATEST(s."start", h.hour))
                 ::double precision AS seconds
        FROM spans s
        CROSS JOIN LATERAL generate_series(
          date_trunc('hour', s."start", 'UTC'), s."end", interval '1 hour') AS h(hour)
        WHERE s."end" > s."start" AND h.hour < s."end"
      )
      INSERT INTO "InstanceUsage" AS u ("tenantId", "namespaceId", "appId", "namespaceName", "appName",
                                        hour, "memoryMb", "cpuMillis", "instanceSeconds", "updatedAt")
      SELECT p."tenantId", p."namespaceId", p."appId", n.name, a.name, p.hour, p."memoryMb", p."cpuMillis",
             SUM(p.seconds), now()
      FROM pieces p
      JOIN "App" a ON a.id = p."appId"
      JOIN "Namespace" n ON n.id = p."namespaceId"
      GROUP BY p."tenantId", p."namespaceId", p."appId", n.name, a.name, p.hour, p."memoryMb", p."cpuMillis"
      ON CONFLICT ("appId", hour, "memoryMb", "cpuMillis") DO UPDATE SET
        "instanceSeconds" = u."instanceSeconds" + EXCLUDED."instanceSeconds",
        "updatedAt" = EXCLUDED."updatedAt"`;
    await this.db.usageCursor.upsert({
      where: { id: INSTANCES_CURSOR },
      create: { id: INSTANCES_CURSOR, accountedUntil: to },
      update: { accountedUntil: to },
    });
    return touched;
  }

  /**
   * The control plane's: adds request counts (by app id) to their apps' `hour`. Counts of apps
   * that no longer exist (or ids that are not app ids) are not recorded: returns their ids.
   */
  async addRequests(_system: SystemScope, hour: Date, counts: Map<string, number>): Promise<string[]> {
    const entries = [...counts].filter(([appId, count]) => UUID.test(appId) && count > 0);
    const appIds = entries.map(([appId]) => appId);
    const recorded = new Set<string>();
    if (entries.length) {
      const rows = await this.db.$queryRaw<{ appId: string }[]>`
        INSERT INTO "RequestUsage" AS u ("tenantId", "namespaceId", "appId", "namespaceName", "appName",
                                         hour, requests, "updatedAt")
        SELECT a."tenantId", a."namespaceId", a.id, n.name, a.name, ${hour}::timestamptz, c.requests, now()
        FROM unnest(${appIds}::uuid[], ${entries.map(([, count]) => Math.round(count))}::bigint[])
               AS c("appId", requests)
        JOIN "App" a ON a.id = c."appId"
        JOIN "Namespace" n ON n.id = a."namespaceId"
        ON CONFLICT ("appId", hour) DO UPDATE SET
          requests = u.requests + EXCLUDED.requests,
          "updatedAt" = EXCLUDED."updatedAt"
        RETURNING "appId"::text AS "appId"`;
      for (const row of rows) recorded.add(row.appId);
    }
    return [...counts.keys()].filter((appId) => !recorded.has(appId) && (counts.get(appId) ?? 0) > 0);
  }

  /** The tenant's instance-seconds over the range, per app and size (and hour). */
  instanceUsage(scope: TenantScope, range: UsageRange): Promise<InstanceUsageSum[]> {
    const hour = range.byHour ? Prisma.sql`hour` : Prisma.sql`NULL::timestamptz`;
    return this.db.$queryRaw<InstanceUsageSum[]>`
      SELECT "namespaceId"::text AS "namespaceId", "appId"::text AS "appId",
             MAX("namespaceName") AS "namespaceName", MAX("appName") AS "appName",
             ${hour} AS hour, "memoryMb", "cpuMillis", SUM("instanceSeconds") AS "instanceSeconds"
      FROM "InstanceUsage"
      WHERE ${inRange(scope, range)}
      GROUP BY "namespaceId", "appId", 5, "memoryMb", "cpuMillis"
      ORDER BY 3, 4, 1, 2, 5, 6, 7`;
  }

  /** The tenant's requests over the range, per app (and hour). */
  requestUsage(scope: TenantScope, range: UsageRange): Promise<RequestUsageSum[]> {
    const hour = range.byHour ? Prisma.sql`hour` : Prisma.sql`NULL::timestamptz`;
    return this.db.$queryRaw<RequestUsageSum[]>`
      SELECT "namespaceId"::text AS "namespaceId", "appId"::text AS "appId",
             MAX("namespaceName") AS "namespaceName", MAX("appName") AS "appName",
             ${hour} AS hour, SUM(requests)::bigint AS requests
      FROM "RequestUsage"
      WHERE ${inRange(scope, range)}
      GROUP BY "namespaceId", "appId", 5
      ORDER BY 3, 4, 1, 2, 5`;
  }
}

/** The tenant's rows of hours that start in [from rounded down to its hour, to). */
function inRange(scope: TenantScope, range: UsageRange): Prisma.Sql {
  const namespace = range.namespaceId
    ? Prisma.sql`AND "namespaceId" = ${range.namespaceId}::uuid`
    : Prisma.empty;
  return Prisma.sql`"tenantId" = ${scope.tenantId}::uuid
    AND hour >= date_trunc('hour', ${range.from}::timestamptz, 'UTC') AND hour < ${range.to}::timestamptz
    ${namespace}`;
}
