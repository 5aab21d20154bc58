import type { TenantKey, TenantKeyring } from '@nimbus/crypto';
import { ConfigEntryRepository, type Db, type TenantScope } from '@nimbus/db';
import type { SnapshotEntry } from './snapshot';

/**
 * Puts the app's own config vars and secrets back to what `snapshot` captured, secrets sealed
 * again under the tenant's key. Entries at the namespace or tenant are not the app's to change:
 * whatever was set there since stays set.
 */
export async function restoreAppConfig(
  tx: Db,
  keyring: TenantKeyring,
  scope: TenantScope,
  app: { id: string; namespaceId: string },
  tenantKey: TenantKey,
  snapshot: SnapshotEntry[],
): Promise<void> {
  const owner = { scope: 'app' as const, namespaceId: app.namespaceId, appId: app.id };
  const entries = new ConfigEntryRepository(tx);
  const current = await entries.list(scope, owner);
  if (current.length)
    await entries.remove(
      scope,
      owner,
      current.map((entry) => entry.key),
    );
  for (const entry of snapshot.filter((e) => e.scope === 'app')) {
    const secret = entry.kind === 'secret';
    await entries.upsert(scope, owner, {
      key: entry.key,
      kind: entry.kind,
      value: secret ? null : entry.value,
      ciphertext: secret
        ? new Uint8Array(
            keyring.seal(
              tenantKey,
              { tenantId: scope.tenantId, scopeId: app.id, key: entry.key },
              entry.value,
            ),
          )
        : null,
    });
  }
}
