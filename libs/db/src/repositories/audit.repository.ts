import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { AuditEntry, Prisma } from '../generated/prisma/client';

export interface AuditRecord {
  actorUserId: string | null;
  /** The token's display prefix, never the token. */
  actorToken: string | null;
  action: string;
  targetType: string;
  targetName: string;
  details?: Prisma.InputJsonObject;
  requestId: string | null;
}

/** Who did what, when. Entries are appended, never changed. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(scope: TenantScope | null, entry: AuditRecord): Promise<void> {
    await this.db.auditEntry.create({
      data: { tenantId: scope?.tenantId ?? null, ...entry, details: entry.details ?? {} },
    });
  }

  list(scope: TenantScope, { limit, before }: { limit: number; before?: bigint }): Promise<AuditEntry[]> {
    return this.db.auditEntry.findMany({
      where: { tenantId: scope.tenantId, ...(before ? { id: { lt: before } } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }
}
