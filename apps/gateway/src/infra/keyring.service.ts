import { Inject, Injectable } from '@nestjs/common';
import { MasterKeyring, generateDataKey, openValue, sealValue, type WrappedDataKey } from '@nimbus/crypto';
import type { Db, Tenant, TenantScope } from '@nimbus/db';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** Where a secret lives, bound into its ciphertext so it cannot be replayed elsewhere. */
export interface SecretLocation {
  tenantId: string;
  scopeId: string;
  key: string;
}

/** The tenant row's columns that envelope encryption needs. */
export type TenantKey = Pick<Tenant, 'id' | 'wrappedDataKey' | 'masterKeyId'>;

const locationContext = ({ tenantId, scopeId, key }: SecretLocation) =>
  `nimbus:secret:${tenantId}:${scopeId}:${key}`;

/** Envelope encryption of secrets: values under a per-tenant data key, data keys under the master key. */
@Injectable()
export class KeyringService {
  readonly keyring: MasterKeyring;
  // Unwrapped data keys, by tenant and wrapping: a rewrap after rotation misses the cache naturally.
  private readonly dataKeys = new Map<string, Buffer>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.keyring = new MasterKeyring(config.NIMBUS_MASTER_KEY, config.NIMBUS_MASTER_KEY_PREVIOUS);
  }

  newTenantKey(): WrappedDataKey {
    return this.keyring.wrap(generateDataKey());
  }

  seal(tenant: TenantKey, location: SecretLocation, plaintext: string): Buffer {
    return sealValue(this.dataKey(tenant), Buffer.from(plaintext, 'utf8'), locationContext(location));
  }

  open(tenant: TenantKey, location: SecretLocation, sealed: Uint8Array): string {
    return openValue(this.dataKey(tenant), Buffer.from(sealed), locationContext(location)).toString('utf8');
  }

  /** A release's configuration snapshot, bound to its app so it opens for that app's releases only. */
  sealReleaseConfig(tenant: TenantKey, appId: string, plaintext: string): Buffer {
    return sealValue(
      this.dataKey(tenant),
      Buffer.from(plaintext, 'utf8'),
      `nimbus:release-config:${tenant.id}:${appId}`,
    );
  }

  openReleaseConfig(tenant: TenantKey, appId: string, sealed: Uint8Array): string {
    return openValue(
      this.dataKey(tenant),
      Buffer.from(sealed),
      `nimbus:release-config:${tenant.id}:${appId}`,
    ).toString('utf8');
  }

  /** The tenant's wrapped data key, read with `db` (inside a transaction when one is open). */
  loadTenantKey(db: Db, scope: TenantScope): Promise<TenantKey> {
    return db.tenant.findUniqueOrThrow({
      where: { id: scope.tenantId },
      select: { id: true, wrappedDataKey: true, masterKeyId: true },
    });
  }

  private dataKey(tenant: TenantKey): Buffer {
    const cacheKey = `${tenant.id}:${tenant.masterKeyId}`;
    let key = this.dataKeys.get(cacheKey);
    if (!key) {
      key = this.keyring.unwrap({
        wrapped: Buffer.from(tenant.wrappedDataKey),
        masterKeyId: tenant.masterKeyId,
      });
      this.dataKeys.set(cacheKey, key);
    }
    return key;
  }
}
