import type { Pool } from 'pg';
import type { TenantScope } from '../tenant-scope';
import { STATUS_FACTS_SQL, type AppWithStatusFacts } from './app-status-facts';

/**
 * The API's most frequent read as a named prepared statement, straight on node-postgres' pool:
 * PostgreSQL parses it once per connection and, after a few runs, reuses its plan. Planning its
 * five subqueries cost more than running them (measured: 0.82 → 0.30 ms of database CPU per
 * list), and Prisma's adapter sends every query unnamed. The name carries a version, to change
 * with the text, since a connection keeps what it prepared under a name.
 */
const APP_LIST = {
  name: 'nimbus.app-list.1',
  text: `
    SELECT a.id, a."tenantId", a."namespaceId", a.name, a."configVersion", a."createdAt",
      a."updatedAt", a."currentReleaseVersion", a."releaseCount", a.runtime::text AS runtime,
      a."httpsRedirect", ${STATUS_FACTS_SQL}
    FROM "App" a
    WHERE a."tenantId" = $1::uuid AND a."namespaceId" = $2::uuid
    ORDER BY a.name`,
};

/** A namespace's apps by name, each with its status facts: the app list in one round trip. */
export class AppListQuery {
  constructor(private readonly pool: Pool) {}

  async list(scope: TenantScope, namespaceId: string): Promise<AppWithStatusFacts[]> {
    const { rows } = await this.pool.query<AppWithStatusFacts>({
      ...APP_LIST,
      values: [scope.tenantId, namespaceId],
    });
    return rows;
  }
}
