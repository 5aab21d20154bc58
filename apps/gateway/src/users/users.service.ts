import { Injectable } from '@nestjs/common';
import { hashPassword, verifyPassword } from '@nimbus/crypto';
import { ApiTokenRepository, AuditRepository, MembershipRepository, type User } from '@nimbus/db';
import { conflict, forbidden } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import type { Principal } from '../auth/principal';
import type { CreateUserDto } from './dto/user.dto';

export type AuthenticatedUser = Pick<User, 'id' | 'email'>;

// Verifying against a real hash when the user does not exist keeps the response time from
// telling an attacker which emails have accounts.
const DECOY_HASH = hashPassword('nimbus-decoy-password');

export function presentUser(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    platformAdmin: user.isPlatformAdmin,
    createdAt: user.createdAt.toISOString(),
  };
}

@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async verifyCredentials(email: string, password: string): Promise<AuthenticatedUser | null> {
    const user = await this.prisma.client.user.findUnique({ where: { email: email.toLowerCase() } });
    const valid = await verifyPassword(user?.passwordHash ?? (await DECOY_HASH), password);
    return user && valid ? { id: user.id, email: user.email } : null;
  }

  async create(principal: Principal, request: CreateUserDto, requestId: string | null) {
    if (!principal.user.isPlatformAdmin || principal.token.tenantId) {
      throw forbidden(
        'only a platform administrator, with a token not limited to a tenant, can create users',
      );
    }
    const email = request.email.toLowerCase();
    const passwordHash = await hashPassword(request.password);
    return this.prisma.client.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email } }))
        throw conflict('user/exists', `a user with email ${email} exists`);
      const user = await tx.user.create({
        data: { email, name: request.name ?? null, passwordHash, isPlatformAdmin: request.platformAdmin },
      });
      await new AuditRepository(tx).record(null, {
        actorUserId: principal.user.id,
        actorToken: principal.token.prefix,
        action: 'user.create',
        targetType: 'user',
        targetName: email,
        details: { platformAdmin: request.platformAdmin },
        requestId,
      });
      return presentUser(user);
    });
  }

  /** Emails of the given users, for showing who did something; unknown ids are left out. */
  async emailsOf(ids: Iterable<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set([...ids].filter((id): id is string => id !== null))];
    if (wanted.length === 0) return new Map();
    const users = await this.prisma.client.user.findMany({
      where: { id: { in: wanted } },
      select: { id: true, email: true },
    });
    return new Map(users.map((user) => [user.id, user.email]));
  }

  async whoami(principal: Principal) {
    const [user, token, memberships] = await Promise.all([
      this.prisma.client.user.findUniqueOrThrow({ where: { id: principal.user.id } }),
      new ApiTokenRepository(this.prisma.client).getForUser(principal.user.id, principal.token.id),
      new MembershipRepository(this.prisma.client).listForUser(principal.user.id, principal.token.tenantId),
    ]);
    return {
      user: presentUser(user),
      token: {
        id: token.id,
        kind: token.kind,
        prefix: token.prefix,
        tenant: token.tenant?.name ?? null,
        namespace: token.namespace?.name ?? null,
        role: token.role,
      },
      memberships: memberships.map((m) => ({ tenant: m.tenant.name, role: m.role })),
    };
  }
}
