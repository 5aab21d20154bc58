import type { Role } from '@nimbus/domain';
import type { TenantScope } from '@nimbus/db';

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
    /** Null for a token that never expires. */
    expiresAt: Date | null;
  };
}

export interface ResourceRef {
  id: string;
  name: string;
}

/**
 * What the principal may do inside the tenant (and namespace) a request addresses. References
 * only: these facts are cached, so anything shown to the caller is read fresh by the handler.
 */
export interface TenantAccess {
  scope: TenantScope;
  tenant: ResourceRef;
  /** The membership role capped by the token's role. */
  role: Role;
  namespace: ResourceRef | null;
}

declare module 'express' {
  interface Request {
    principal?: Principal;
    access?: TenantAccess;
    requestId?: string;
    /** The session token of a request the console's cookie authenticated. */
    sessionToken?: string;
    /** The auth cache epoch read when the request was authenticated (null: cache bypassed). */
    authEpoch?: string | null;
  }
}
