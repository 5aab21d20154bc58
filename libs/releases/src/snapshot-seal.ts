import type { TenantKey, TenantKeyring } from '@nimbus/crypto';
import type { SnapshotEntry } from './snapshot';

/** A release's environment sealed under the tenant's key, bound to its app. */
export function sealSnapshot(
  keyring: TenantKeyring,
  tenantKey: TenantKey,
  appId: string,
  snapshot: SnapshotEntry[],
): Buffer {
  return keyring.sealReleaseConfig(tenantKey, appId, JSON.stringify(snapshot));
}

export function openSnapshot(
  keyring: TenantKeyring,
  tenantKey: TenantKey,
  appId: string,
  sealed: Uint8Array,
): SnapshotEntry[] {
  return JSON.parse(keyring.openReleaseConfig(tenantKey, appId, sealed)) as SnapshotEntry[];
}
