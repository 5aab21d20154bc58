import { randomBytes } from 'node:crypto';
import {
  MasterKeyring,
  generateApiToken,
  generateDataKey,
  hashApiToken,
  hashPassword,
  looksLikeApiToken,
  openValue,
  sealValue,
  verifyPassword,
} from './index';

describe('envelope encryption', () => {
  it('should open what it sealed, and only with the same key and context', () => {
    const key = generateDataKey();
    const sealed = sealValue(key, Buffer.from('hunter2'), 'tenant-a:app:DB_PASSWORD');
    expect(sealed.includes(Buffer.from('hunter2'))).toBe(false);
    expect(openValue(key, sealed, 'tenant-a:app:DB_PASSWORD').toString()).toBe('hunter2');
    expect(() => openValue(key, sealed, 'tenant-b:app:DB_PASSWORD')).toThrow();
    expect(() => openValue(generateDataKey(), sealed, 'tenant-a:app:DB_PASSWORD')).toThrow();
    sealed.writeUInt8(sealed.readUInt8(14) ^ 1, 14);
    expect(() => openValue(key, sealed, 'tenant-a:app:DB_PASSWORD')).toThrow();
  });
});

describe(MasterKeyring.name, () => {
  it('should unwrap keys wrapped by a previous master key and flag them stale', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const dataKey = generateDataKey();
    const wrappedOld = new MasterKeyring(oldKey).wrap(dataKey);
    const ring = new MasterKeyring(newKey, [oldKey]);
    expect(ring.isStale(wrappedOld)).toBe(true);
    expect(ring.unwrap(wrappedOld).equals(dataKey)).toBe(true);
    const rewrapped = ring.wrap(ring.unwrap(wrappedOld));
    expect(ring.isStale(rewrapped)).toBe(false);
    expect(new MasterKeyring(newKey).unwrap(rewrapped).equals(dataKey)).toBe(true);
  });

  it('should refuse a key it does not hold', () => {
    const wrapped = new MasterKeyring(randomBytes(32)).wrap(generateDataKey());
    expect(() => new MasterKeyring(randomBytes(32)).unwrap(wrapped)).toThrow(/not in the keyring/);
  });
});

describe('api tokens', () => {
  it('should be random, recognisable and hashed to 32 bytes', () => {
    const a = generateApiToken();
    expect(looksLikeApiToken(a)).toBe(true);
    expect(a).not.toBe(generateApiToken());
    expect(hashApiToken(a)).toHaveLength(32);
    expect(looksLikeApiToken('nmb_short')).toBe(false);
  });
});

describe('passwords', () => {
  it('should verify the right password only', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(stored, 'correct horse')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'wrong')).resolves.toBe(false);
    await expect(verifyPassword('garbage', 'x')).resolves.toBe(false);
  });
});
