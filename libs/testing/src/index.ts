export { testEnvironment } from './test-environment';
export type { TestEnvironment } from './test-environment';
export { prepareTemplateDatabase, createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { createTestRedisPrefix } from './test-redis';
export { createUser, createApiToken } from './factories';
export type { CreatedUser } from './factories';
export { freePort } from './free-port';
export { startNodeProcess } from './node-process';
export type { NodeProcess, NodeProcessOptions } from './node-process';
export { buildWheel } from './python-wheel';
export type { WheelFile, WheelSpec } from './python-wheel';
export {
  DEBIAN_SETUPTOOLS_ENV,
  debianWheels,
  normalizeProjectName,
  startPackageIndex,
} from './package-index';
export type { PackageIndex } from './package-index';
export { pyprojectApp, requirementsApp, tinyserveWheel } from './python-apps';
export { git, gitRemote } from './git';
export type { GitResult } from './git';
export { startTestGateway } from './test-gateway';
export type {
  GatewayLauncher,
  ListeningApp,
  TestGateway,
  TestGatewayDirectories,
  TestGatewayEnv,
} from './test-gateway';
export { seedTenant } from './seed-tenant';
export type { SeededTenant } from './seed-tenant';
export { startBuilderProcess } from './builder-process';
export type { BuilderPeer, BuilderProcess } from './builder-process';
export { startRegistry } from './oci-registry';
export type { TestRegistry, TestRegistryOptions } from './oci-registry';
export { requireTool, run, runJson } from './external-tools';
export { launchChromium } from './chromium';
export { createTestCertificateAuthority } from './test-certificates';
export type { CertificateRequest, IssuedCertificate, TestCertificateAuthority } from './test-certificates';
