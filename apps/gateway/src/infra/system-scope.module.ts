import { Module } from '@nestjs/common';
import { systemScope } from '@nimbus/db';

/** Injection token of the gateway's one SystemScope: cross-tenant reads for the control plane. */
export const SYSTEM_SCOPE = Symbol('SYSTEM_SCOPE');

/**
 * For the agents' API and the nodes API, which act for the control plane across tenants, and for
 * the one platform-wide question a tenant may cause (is a domain free?), whose answer is never
 * shown; other tenant-facing modules never import it, so they cannot reach another tenant's rows.
 */
@Module({
  providers: [{ provide: SYSTEM_SCOPE, useFactory: systemScope }],
  exports: [SYSTEM_SCOPE],
})
export class SystemScopeModule {}
