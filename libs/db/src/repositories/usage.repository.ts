import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import { Prisma } from '../generated/prisma/client';

/** The cursor of instance-seconds: how far every instance's running time has been counted. */
const INSTANCES_CURSOR = 'instances';
/** The cursor of requests: the routers' minutes before it are counted (a minute boundary). */
const REQUESTS_CURSOR = 'requests';

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

/** Requests the routers answered for one app in one minute. */
export interface MinuteRequests {
  /** The minute's start (UTC). */
  minute: Date;
  appId: string;
  requests: number;
}

/** What `accountRequests` added. */
export interface RequestsAccounted {
  /** Summed over the apps that exist. */
  requests: number;
  /** Apps that no longer exist (or ids that are not app ids): their counts are not recorded. */
  unknownAppIds: string[];
}

/**
 * Usage per app per hour: what a multi-tenant operator bills or caps. The control plane adds to
 * it (instance-seconds from the instances' running spans, requests from the routers' minutes);
 * tenants read their own. Rows keep the app's and namespace's names because they outlive both.
 */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  /**
   * The control plane's, in its fenced transaction: until when instance-seconds are counted,
   * locked until the transaction ends; null before the first count.
   */
  accountedUntil(_system: SystemScope): Promise<Date | null> {
    return this.cursor(INSTANCES_CURSOR, true);
  }

  /**
   * The control plane's: until when (a minute boundary) requests are counted; null before the
   * first count. With `lock`, in its fenced transaction, locked until the transaction ends;
   * without, a glance that may be behind by the time the transaction reads it again.
   */
  requestsAccountedUntil(_system: SystemScope, lock: boolean): Promise<Date | null> {
    return this.cursor(REQUESTS_CURSOR, lock);
  }

  private async cursor(id: string, lock: boolean): Promise<Date | null> {
    const forUpdate = lock ? Prisma.sql`FOR UPDATE` : Prisma.empty;
    const rows = await this.db.$queryRaw<{ accountedUntil: Date }[]>`
      SELECT "accountedUntil" FROM "UsageCursor" WHERE id = ${id} ${forUpdate}`;
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
    await this.moveCursor(INSTANCES_CURSOR, to);
    return touched;
  }

  /**
   * The control plane's: adds each minute's requests to its app's usage in the hour the minute
   * falls in, and moves the requests cursor to `until`: call it in the transaction that locked the
   * cursor, with the minutes from it to `until`, so a minute is counted once whoever leads.
   */
  async accountRequests(
    _system: SystemScope,
    minutes: MinuteRequests[],
    until: Date,
  ): Promise<RequestsAccounted> {
    const entries = minutes.filter((entry) => UUID.test(entry.appId) && entry.requests > 0);
    const recorded = new Set<string>();
    if (entries.length) {
      // Summed per hour first: one INSERT may not touch a row twice.
      const rows = await this.db.$queryRaw<{ appId: string }[]>`
        INSERT INTO "RequestUsage" AS u ("tenantId", "namespaceId", "appId", "namespaceName", "appName",
                                         hour, requests, "updatedAt")
        SELECT a."tenantId", a."namespaceId", a.id, n.name, a.name, c.hour, c.requests, now()
        FROM (
          SELECT m."appId", date_trunc('hour', m.minute, 'UTC') AS hour, SUM(m.requests)::bigint AS requests
          FROM unnest(${entries.map((entry) => entry.appId)}::uuid[],
                      ${entries.map((entry) => entry.minute.toISOString())}::timestamptz[],
                      ${entries.map((entry) => Math.round(entry.requests))}::bigint[])
                 AS m("appId", minute, requests)
          GROUP BY 1, 2
        ) c
        JOIN "App" a ON a.id = c."appId"
        JOIN "Namespace" n ON n.id = a."namespaceId"
        ON CONFLICT ("appId", hour) DO UPDATE SET
          requests = u.requests + EXCLUDED.requests,
          "updatedAt" = EXCLUDED."updatedAt"
        RETURNING "appId"::text AS "appId"`;
      for (const row of rows) recorded.add(row.appId);
    }
    await this.moveCursor(REQUESTS_CURSOR, until);
    const counted = minutes.filter((entry) => entry.requests > 0);
    return {
      requests: counted
        .filter((entry) => recorded.has(entry.appId))
        .reduce((sum, entry) => sum + Math.round(entry.requests), 0),
      unknownAppIds: [...new Set(counted.map((entry) => entry.appId))].filter(
        (appId) => !recorded.has(appId),
      ),
    };
  }

  private async moveCursor(id: string, to: Date): Promise<void> {
    await this.db.usageCursor.upsert({
      where: { id },
      create: { id, accountedUntil: to },
      update: { accountedUntil: to },
    });
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
