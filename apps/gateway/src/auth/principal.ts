import type { Role } from '@nimbus/domain';
import type { TenantScope, Namespace, Tenant } from '@nimbus/db';

/** Who is calling: the user, and the token that proves it with the limits it carries. */
export interface Principal {
  user: { id: string; email: string; isPlatformAdmin: boolean };
  token: {
    id: string;
    kind: 'session' | 'api';
    /** Safe to log and to show: the token's first characters. */
    prefix: string;
    tenantId: string | null;
    namespaceId: string | null;
    role: Role | null;
  };
}

/** What the principal may do inside the tenant (and namespace) a request addresses. */
export interface TenantAccess {
  scope: TenantScope;
  tenant: Tenant;
  /** The membership role capped by the token's role. */
  role: Role;
  namespace: Namespace | null;
}

declare module 'express' {
  interface Request {
    principal?: Principal;
    access?: TenantAccess;
    requestId?: string;
  }
}
