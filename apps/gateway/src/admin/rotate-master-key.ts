import type { MasterKeyring } from '@nimbus/crypto';
import type { DbClient } from '@nimbus/db';

/**
 * Rewraps every tenant data key still under an old master key with the current one. Secret
 * values themselves are untouched (they are under the data keys), so this is fast and safe to
 * run while gateways serve: those running with both keys read either wrapping. Each row is
 * updated only if nobody rewrapped it meanwhile, so concurrent runs are harmless.
 */
export async function rotateMasterKey(
  db: DbClient,
  keyring: MasterKeyring,
): Promise<{ rewrapped: number; current: number }> {
  const stale = await db.tenant.findMany({
    where: { masterKeyId: { not: keyring.currentKeyId } },
    select: { id: true, wrappedDataKey: true, masterKeyId: true },
  });
  let rewrapped = 0;
  for (const tenant of stale) {
    const dataKey = keyring.unwrap({
      wrapped: Buffer.from(tenant.wrappedDataKey),
      masterKeyId: tenant.masterKeyId,
    });
    const next = keyring.wrap(dataKey);
    const { count } = await db.tenant.updateMany({
      where: { id: tenant.id, masterKeyId: tenant.masterKeyId },
      data: { wrappedDataKey: new Uint8Array(next.wrapped), masterKeyId: next.masterKeyId },
    });
    rewrapped += count;
  }
  const current = await db.tenant.count({ where: { masterKeyId: keyring.currentKeyId } });
  return { rewrapped, current };
}
