import type { Db } from '../prisma-client';
import type { TenantScope } from '../tenant-scope';
import type { ApiToken, Namespace, Role, Tenant, TokenKind, User } from '../generated/prisma/client';

/** A token with the tenant and namespace it is limited to, as the API shows it. */
export type ApiTokenWithScope = ApiToken & { tenant: Tenant | null; namespace: Namespace | null };

export interface NewApiToken {
  userId: string;
  name: string;
  kind: TokenKind;
  tokenHash: Uint8Array<ArrayBuffer>;
  prefix: string;
  /** The namespace the token is limited to, inside `scope`'s tenant. */
  namespaceId?: string | null;
  role?: Role | null;
  expiresAt: Date;
}

const WITH_SCOPE = { tenant: true, namespace: true } as const;

/**
 * API and session tokens. A token belongs to a user and may be limited to one tenant, so its
 * reads are keyed by the owning user; the one lookup by secret is authentication's.
 */
export class ApiTokenRepository {
  constructor(private readonly db: Db) {}

  /**
   * Authentication's entry point, inherently before any tenant is known: the token whose secret
   * hashes to `tokenHash`, with its user. Never use it to serve a tenant's data.
   */
  findByHashForAuthentication(
    tokenHash: Uint8Array<ArrayBuffer>,
  ): Promise<(ApiToken & { user: User }) | null> {
    return this.db.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
  }

  /** Authentication's bookkeeping: when the token was last presented. */
  async recordUse(id: string, at: Date): Promise<void> {
    await this.db.apiToken.update({ where: { id }, data: { lastUsedAt: at } });
  }

  /** A new token, limited to `scope`'s tenant when there is one. */
  create(scope: TenantScope | null, token: NewApiToken): Promise<ApiTokenWithScope> {
    return this.db.apiToken.create({
      data: { ...token, tenantId: scope?.tenantId ?? null },
      include: WITH_SCOPE,
    });
  }

  /** The user's tokens, newest first; `onlyTenantId` for a caller limited to one tenant. */
  listForUser(userId: string, onlyTenantId: string | null): Promise<ApiTokenWithScope[]> {
    return this.db.apiToken.findMany({
      where: { userId, ...(onlyTenantId ? { tenantId: onlyTenantId } : {}) },
      include: WITH_SCOPE,
      orderBy: { createdAt: 'desc' },
    });
  }

  findForUser(userId: string, id: string, onlyTenantId: string | null): Promise<ApiTokenWithScope | null> {
    return this.db.apiToken.findFirst({
      where: { id, userId, ...(onlyTenantId ? { tenantId: onlyTenantId } : {}) },
      include: WITH_SCOPE,
    });
  }

  /** The user's token `id`; it must exist (the caller's own, say). */
  getForUser(userId: string, id: string): Promise<ApiTokenWithScope> {
    return this.db.apiToken.findUniqueOrThrow({ where: { id, userId }, include: WITH_SCOPE });
  }

  revoke(userId: string, id: string, revokedAt: Date): Promise<ApiTokenWithScope> {
    return this.db.apiToken.update({ where: { id, userId }, data: { revokedAt }, include: WITH_SCOPE });
  }
}
