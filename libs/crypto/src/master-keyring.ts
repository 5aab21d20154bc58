import { createHash } from 'node:crypto';
import { openValue, sealValue } from './envelope';

export interface WrappedDataKey {
  wrapped: Buffer;
  /** Names the master key that wrapped it, so rotation knows what to rewrap. */
  masterKeyId: string;
}

const WRAP_CONTEXT = 'nimbus:tenant-data-key';

/** Parses a base64 (or base64url) encoded 32-byte key; throws with a message fit for config errors. */
export function parseMasterKey(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32)
    throw new Error('a master key must be 32 bytes, base64 encoded (openssl rand -base64 32)');
  return key;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update('nimbus:master-key-id').update(key).digest('hex').slice(0, 16);
}

/**
 * The platform master key and the keys it replaced. New data keys are always wrapped with the
 * current key; any key in the ring unwraps. Rotation without downtime: deploy the new key as
 * current with the old one as previous, rewrap every tenant's data key, then drop the old key.
 */
export class MasterKeyring {
  private readonly keysById: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(
    private readonly current: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    this.currentKeyId = keyId(current);
    this.keysById = new Map([current, ...previous].map((key) => [keyId(key), key]));
  }

  wrap(dataKey: Buffer): WrappedDataKey {
    return { wrapped: sealValue(this.current, dataKey, WRAP_CONTEXT), masterKeyId: this.currentKeyId };
  }

  unwrap({ wrapped, masterKeyId }: WrappedDataKey): Buffer {
    const key = this.keysById.get(masterKeyId);
    if (!key)
      throw new Error(`master key ${masterKeyId} is not in the keyring (set NIMBUS_MASTER_KEY_PREVIOUS)`);
    return openValue(key, wrapped, WRAP_CONTEXT);
  }

  /** Whether a wrapped key must be rewrapped to be under the current master key. */
  isStale({ masterKeyId }: WrappedDataKey): boolean {
    return masterKeyId !== this.currentKeyId;
  }
}
