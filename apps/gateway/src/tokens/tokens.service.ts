import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { generateApiToken, hashApiToken, looksLikeApiToken, tokenDisplayPrefix } from '@nimbus/crypto';
import { ApiTokenRepository, AuditRepository, tenantScope, type ApiTokenWithScope } from '@nimbus/db';
import { roleAtLeast, type Role } from '@nimbus/domain';
import { ProblemException, forbidden, notFound } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { PrismaService } from '../infra/prisma.service';
import { AccessService } from '../auth/access.service';
import { AuthCacheService } from '../auth/auth-cache.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { expiryToMs, type CreateTokenDto } from './dto/token.dto';

/** Writing last-used on every request would turn every read into a write; once a minute is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** What the auth cache keeps per token; expiry is checked on every use. */
interface KnownToken {
  principal: Principal;
  /** When last-used was last written, so it is written at most once a minute. */
  lastUsedAt: number | null;
}

export function presentToken(row: ApiTokenWithScope) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    prefix: row.prefix,
    tenant: row.tenant?.name ?? null,
    namespace: row.namespace?.name ?? null,
    role: row.role,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

@Injectable()
export class TokensService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: AuthCacheService,
    private readonly access: AccessService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The principal a bearer token stands for, or null when it is unknown, expired or revoked. */
  async authenticate(token: string, epoch: string | null): Promise<Principal | null> {
    if (!looksLikeApiToken(token)) return null;
    const hash = hashApiToken(token);
    const known = await this.cache.remember(`token:${Buffer.from(hash).toString('hex')}`, epoch, () =>
      this.load(hash),
    );
    const now = Date.now();
    const expiresAt = known?.principal.token.expiresAt;
    if (!known || (expiresAt && expiresAt.getTime() <= now)) return null;
    if (known.lastUsedAt === null || now - known.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      known.lastUsedAt = now;
      // Best effort: a lost update only makes last-used a minute staler.
      void new ApiTokenRepository(this.prisma.client)
        .recordUse(known.principal.token.id, new Date(now))
        .catch(() => undefined);
    }
    return known.principal;
  }

  private async load(tokenHash: Uint8Array<ArrayBuffer>): Promise<KnownToken | null> {
    const row = await new ApiTokenRepository(this.prisma.client).findByHashForAuthentication(tokenHash);
    if (!row || row.revokedAt) return null;
    return {
      principal: {
        user: { id: row.user.id, email: row.user.email, isPlatformAdmin: row.user.isPlatformAdmin },
        token: {
          id: row.id,
          kind: row.kind,
          prefix: row.prefix,
          tenantId: row.tenantId,
          namespaceId: row.namespaceId,
          role: row.role,
          expiresAt: row.expiresAt,
        },
      },
      lastUsedAt: row.lastUsedAt?.getTime() ?? null,
    };
  }

  /** A session token for a person who just proved their password; logins are audited at platform level. */
  async createSession(userId: string, requestId: string | null): Promise<{ token: string; expiresAt: Date }> {
    const token = generateApiToken();
    const expiresAt = new Date(Date.now() + this.config.NIMBUS_SESSION_TTL);
    await this.prisma.client.$transaction(async (tx) => {
      const session = await new ApiTokenRepository(tx).create(null, {
        userId,
        name: 'login',
        kind: 'session',
        tokenHash: hashApiToken(token),
        prefix: tokenDisplayPrefix(token),
        expiresAt,
      });
      await new AuditRepository(tx).record(null, {
        actorUserId: userId,
        actorToken: null,
        action: 'session.create',
        targetType: 'token',
        targetName: session.prefix,
        requestId,
      });
    });
    return { token, expiresAt };
  }

  /**
   * Who a request's credential (a bearer token, or the console's session cookie) stands for. The
   * auth cache's epoch is read once, before any cached fact is used, and kept for the access guard.
   */
  async authenticateRequest(request: Request, token: string): Promise<Principal | null> {
    request.authEpoch = await this.cache.epoch();
    return this.authenticate(token, request.authEpoch);
  }

  /** The console session a request's cookie carries; a bearer-token caller has none. */
  currentSession(principal: Principal, sessionToken: string | null) {
    const { kind, expiresAt } = principal.token;
    if (!sessionToken || kind !== 'session' || !expiresAt)
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'session/not_found',
        'this request carries no console session: sign in with POST /v1/auth/session',
      );
    return { token: sessionToken, expiresAt };
  }

  /** Signs a person out: the session token is revoked, and refused from the next request on. */
  async endSession(principal: Principal, requestId: string | null): Promise<void> {
    if (principal.token.kind !== 'session') {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'session/not_a_session',
        'this request is authenticated by an API token, not a session: revoke it with DELETE /v1/tokens/{id}',
      );
    }
    await this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        await new ApiTokenRepository(tx).revoke(principal.user.id, principal.token.id, new Date());
        await new AuditRepository(tx).record(null, {
          actorUserId: principal.user.id,
          actorToken: principal.token.prefix,
          action: 'session.end',
          targetType: 'token',
          targetName: principal.token.prefix,
          requestId,
        });
      }),
    );
  }

  /**
   * A new API token, never stronger than the token that asks for it: same or narrower tenant and
   * namespace, a role no higher than the caller's in that tenant.
   */
  async create(principal: Principal, request: CreateTokenDto, requestId: string | null) {
    if (request.namespace && !request.tenant) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'token/namespace_without_tenant',
        'a namespace scope needs a tenant',
        [{ field: 'body.namespace', message: 'requires body.tenant' }],
      );
    }
    let access: TenantAccess | null = null;
    let role: Role | null = null;
    if (request.tenant) {
      // Read fresh (no cache epoch): minting a credential is rare and must see current access.
      access = await this.access.resolve(principal, request.tenant, request.namespace, null);
      if (request.role && !roleAtLeast(access.role, request.role)) {
        throw forbidden(`you cannot create a token with the ${request.role} role: you have ${access.role}`);
      }
      role = request.role ?? access.role;
      if (principal.token.namespaceId && !access.namespace) {
        throw forbidden(
          'this token is limited to one namespace; it can only create tokens for that namespace',
        );
      }
    } else if (principal.token.tenantId) {
      throw forbidden('this token is limited to one tenant; name that tenant for the new token');
    } else if (request.role) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'token/role_without_tenant',
        'a role cap needs a tenant',
        [{ field: 'body.role', message: 'requires body.tenant' }],
      );
    }

    const token = generateApiToken();
    const row = await this.prisma.client.$transaction(async (tx) => {
      const created = await new ApiTokenRepository(tx).create(access?.scope ?? null, {
        userId: principal.user.id,
        name: request.name,
        kind: 'api',
        tokenHash: hashApiToken(token),
        prefix: tokenDisplayPrefix(token),
        namespaceId: access?.namespace?.id ?? null,
        role,
        expiresAt: new Date(Date.now() + expiryToMs(request.expiresIn)),
      });
      await new AuditRepository(tx).record(access?.scope ?? null, {
        actorUserId: principal.user.id,
        actorToken: principal.token.prefix,
        action: 'token.create',
        targetType: 'token',
        targetName: created.prefix,
        details: {
          name: request.name,
          role,
          namespace: access?.namespace?.name ?? null,
          expiresAt: created.expiresAt?.toISOString() ?? null,
        },
        requestId,
      });
      return created;
    });
    return { ...presentToken(row), token };
  }

  /** The caller's own tokens; a token limited to a tenant sees only that tenant's. */
  async list(principal: Principal) {
    const rows = await new ApiTokenRepository(this.prisma.client).listForUser(
      principal.user.id,
      principal.token.tenantId,
    );
    return rows.map(presentToken);
  }

  /** Revocation takes effect on the next request, on every gateway: it invalidates the auth cache. */
  async revoke(principal: Principal, id: string, requestId: string | null) {
    const row = await new ApiTokenRepository(this.prisma.client).findForUser(
      principal.user.id,
      id,
      principal.token.tenantId,
    );
    if (!row) throw notFound('token', id);
    const revoked = await this.cache.invalidating(
      this.prisma.client.$transaction(async (tx) => {
        const updated = await new ApiTokenRepository(tx).revoke(
          principal.user.id,
          id,
          row.revokedAt ?? new Date(),
        );
        await new AuditRepository(tx).record(row.tenantId ? tenantScope(row.tenantId) : null, {
          actorUserId: principal.user.id,
          actorToken: principal.token.prefix,
          action: 'token.revoke',
          targetType: 'token',
          targetName: row.prefix,
          requestId,
        });
        return updated;
      }),
    );
    return presentToken(revoked);
  }
}
