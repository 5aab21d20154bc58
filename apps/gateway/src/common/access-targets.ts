import type { ResourceRef, TenantAccess } from '../auth/principal';

/** The namespace the guard resolved from `:namespace`; routes without one never call this. */
export function requireNamespace(access: TenantAccess): ResourceRef {
  if (!access.namespace) throw new Error('route has no :namespace parameter');
  return access.namespace;
}
