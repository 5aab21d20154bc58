import type { AuditRecord, Prisma } from '@nimbus/db';
import type { Principal } from '../auth/principal';

/** An audit record for the caller; write it with the change, in the same transaction. */
export function auditEntry(
  principal: Principal,
  requestId: string | null,
  action: string,
  targetType: string,
  targetName: string,
  details: Prisma.InputJsonObject = {},
): AuditRecord {
  return {
    actorUserId: principal.user.id,
    actorToken: principal.token.prefix,
    action,
    targetType,
    targetName,
    details,
    requestId,
  };
}
