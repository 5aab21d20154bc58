declare const verified: unique symbol;

/**
 * Proof that the caller may act inside one tenant. Only the gateway's access resolver creates
 * one, after checking the principal's membership; every repository of tenant-owned data requires
 * it, so a query that forgets the tenant does not compile.
 */
export interface TenantScope {
  readonly tenantId: string;
  readonly [verified]: true;
}

/** For the access resolver (and tests) only: the tenant id must come from a verified membership. */
export function tenantScope(tenantId: string): TenantScope {
  return { tenantId } as TenantScope;
}
