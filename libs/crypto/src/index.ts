export { generateApiToken, hashApiToken, tokenDisplayPrefix, looksLikeApiToken } from './api-tokens';
export { hashPassword, verifyPassword } from './passwords';
export { MasterKeyring, parseMasterKey } from './master-keyring';
export type { WrappedDataKey } from './master-keyring';
export { generateDataKey, sealValue, openValue } from './envelope';
export { TenantKeyring } from './tenant-keyring';
export type { SecretLocation, TenantKey } from './tenant-keyring';
