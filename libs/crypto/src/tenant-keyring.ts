import { generateDataKey, openValue, sealValue } from './envelope';
import type { MasterKeyring, WrappedDataKey } from './master-keyring';

/** Where a secret lives, bound into its ciphertext so it cannot be replayed elsewhere. */
export interface SecretLocation {
  tenantId: string;
  scopeId: string;
  key: string;
}

/** The tenant row's columns that envelope encryption needs. */
export interface TenantKey {
  id: string;
  wrappedDataKey: Uint8Array;
  masterKeyId: string;
}

const locationContext = ({ tenantId, scopeId, key }: SecretLocation) =>
  `nimbus:secret:${tenantId}:${scopeId}:${key}`;
const releaseContext = (tenantId: string, appId: string) => `nimbus:release-config:${tenantId}:${appId}`;

/** Envelope encryption of secrets: values under a per-tenant data key, data keys under the master key. */
export class TenantKeyring {
  // Unwrapped data keys, by tenant and wrapping: a rewrap after rotation misses the cache naturally.
  private readonly dataKeys = new Map<string, Buffer>();

  constructor(readonly master: MasterKeyring) {}

  newTenantKey(): WrappedDataKey {
    return this.master.wrap(generateDataKey());
  }

  seal(tenant: TenantKey, location: SecretLocation, plaintext: string): Buffer {
    return sealValue(this.dataKey(tenant), Buffer.from(plaintext, 'utf8'), locationContext(location));
  }

  open(tenant: TenantKey, location: SecretLocation, sealed: Uint8Array): string {
    return openValue(this.dataKey(tenant), Buffer.from(sealed), locationContext(location)).toString('utf8');
  }

  /** A release's configuration snapshot, bound to its app so it opens for that app's releases only. */
  sealReleaseConfig(tenant: TenantKey, appId: string, plaintext: string): Buffer {
    return sealValue(this.dataKey(tenant), Buffer.from(plaintext, 'utf8'), releaseContext(tenant.id, appId));
  }

  openReleaseConfig(tenant: TenantKey, appId: string, sealed: Uint8Array): string {
    return openValue(this.dataKey(tenant), Buffer.from(sealed), releaseContext(tenant.id, appId)).toString(
      'utf8',
    );
  }

  private dataKey(tenant: TenantKey): Buffer {
    const cacheKey = `${tenant.id}:${tenant.masterKeyId}`;
    let key = this.dataKeys.get(cacheKey);
    if (!key) {
      key = this.master.unwrap({
        wrapped: Buffer.from(tenant.wrappedDataKey),
        masterKeyId: tenant.masterKeyId,
      });
      this.dataKeys.set(cacheKey, key);
    }
    return key;
  }
}
