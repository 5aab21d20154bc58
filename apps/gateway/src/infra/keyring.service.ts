import { Inject, Injectable } from '@nestjs/common';
import { MasterKeyring, TenantKeyring } from '@nimbus/crypto';
import { loadTenantKey, type Db, type TenantScope } from '@nimbus/db';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

export type { SecretLocation, TenantKey } from '@nimbus/crypto';

/** The gateway's tenant keyring, built from its configured master keys. */
@Injectable()
export class KeyringService extends TenantKeyring {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super(new MasterKeyring(config.NIMBUS_MASTER_KEY, config.NIMBUS_MASTER_KEY_PREVIOUS));
  }

  /** The tenant's wrapped data key, read with `db` (inside a transaction when one is open). */
  loadTenantKey(db: Db, scope: TenantScope) {
    return loadTenantKey(db, scope);
  }
}
