export { ROLES, roleAtLeast, weakerRole } from './roles';
export type { Role } from './roles';
export { resourceName, RESOURCE_NAME_RULE } from './names';
export { configKey, configValue, RESERVED_CONFIG_KEYS, isReservedConfigKey } from './config-keys';
export { mergeEnvironment, CONFIG_SCOPES } from './environment';
export type { ConfigScope, ScopedEntry, EffectiveEntry } from './environment';
export { parseAppReference } from './app-reference';
export type { AppReference } from './app-reference';
