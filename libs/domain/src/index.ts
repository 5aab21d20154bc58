export { ROLES, roleAtLeast, weakerRole } from './roles';
export type { Role } from './roles';
export { resourceName, RESOURCE_NAME_RULE } from './names';
export { configKey, configValue, isReservedConfigKey } from './config-keys';
export { mergeEnvironment, CONFIG_SCOPES } from './environment';
export type { ConfigScope, ScopedEntry, EffectiveEntry } from './environment';
export { parseAppReference } from './app-reference';
export type { AppReference } from './app-reference';
export { parseProcfile } from './procfile';
export type { Procfile } from './procfile';
export { resolveOneOffCommand } from './one-off-command';
export { parseAppJson, appJsonEnvDefaults, appJsonHealthChecks, appJsonSchema } from './app-json';
export type { AppJson } from './app-json';
export { checksOfPaths, decodeHealthChecks, encodeHealthChecks } from './health-checks';
export type { HttpCheck } from './health-checks';
export { planBuild, UnsupportedAppError, STATIC_SERVER_COMMAND, SUPPORTED_STACKS } from './build-plan';
export type { BuildPlan, BuildStep, RepositoryFacts, StackName } from './build-plan';
export { appHostname, appUrl } from './app-url';
export { appJsonFormation, describeFormation, parseFormationSize } from './app-json-formation';
export type { FormationRequest } from './app-json-formation';
export { quotaExcess, replicasWithinQuota, totalResources } from './quota';
export type { QuotaLimits, ResourceTotals } from './quota';
export { appStatus, APP_STATUSES } from './app-status';
export {
  certificateNameCovers,
  coveringWildcard,
  domainFamily,
  hostsCoveredBy,
  servedHosts,
  parseCustomDomain,
  wildcardCovers,
} from './custom-domain';
export type { CertificateCandidate, DomainCheck } from './custom-domain';
export type { AppStatus, AppStatusFacts } from './app-status';
