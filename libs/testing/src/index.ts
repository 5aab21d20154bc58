export { testEnvironment } from './test-environment';
export type { TestEnvironment } from './test-environment';
export { prepareTemplateDatabase, createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { createTestRedisPrefix } from './test-redis';
export { createUser, createApiToken } from './factories';
export type { CreatedUser } from './factories';
export { freePort } from './free-port';
