declare const verified: unique symbol;
declare const control: unique symbol;

/**
 * Proof that the caller may act inside one tenant. The gateway's access resolver creates one
 * after checking the principal's membership; the control plane derives one from a row it read
 * under its {@link SystemScope}. Every repository method over one tenant's data requires it, so a
 * query that forgets the tenant does not compile.
 */
export interface TenantScope {
  readonly tenantId: string;
  readonly [verified]: true;
}

/**
 * Proof that the caller is the control plane (the builder, the orchestrator, the agents' API),
 * which works across tenants: the only way to reach every tenant's rows at once. The public API
 * never holds one; it is created once, at a process's start, by {@link systemScope}.
 */
export interface SystemScope {
  readonly system: true;
  readonly [control]: true;
}

/** For the access resolver (and tests) only: the tenant id must come from a verified membership. */
export function tenantScope(tenantId: string): TenantScope {
  return { tenantId } as TenantScope;
}

/** For a control-plane process's start-up (and tests) only. */
export function systemScope(): SystemScope {
  return { system: true } as SystemScope;
}

/** The tenant of a row the control plane read across tenants: its own scope, to act inside it. */
export function scopeOfRow(_system: SystemScope, row: { tenantId: string }): TenantScope {
  return tenantScope(row.tenantId);
}
