import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';

/** The tenant's wrapped data key, read with `db` (inside a transaction when one is open). */
export function loadTenantKey(db: Db, scope: TenantScope) {
  return db.tenant.findUniqueOrThrow({
    where: { id: scope.tenantId },
    select: { id: true, wrappedDataKey: true, masterKeyId: true },
  });
}
