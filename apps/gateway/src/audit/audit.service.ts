import { Injectable } from '@nestjs/common';
import { AuditRepository } from '@nimbus/db';
import { PrismaService } from '../infra/prisma.service';
import { UsersService } from '../users/users.service';
import type { TenantAccess } from '../auth/principal';

@Injectable()
export class AuditService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: UsersService,
  ) {}

  async list(access: TenantAccess, limit: number, before?: string) {
    const entries = await new AuditRepository(this.prisma.client).list(access.scope, {
      limit,
      ...(before ? { before: BigInt(before) } : {}),
    });
    const emails = await this.users.emailsOf(entries.map((item) => item.actorUserId));
    return entries.map((e) => ({
      id: e.id.toString(),
      action: e.action,
      targetType: e.targetType,
      targetName: e.targetName,
      actor: e.actorUserId ? (emails.get(e.actorUserId) ?? null) : null,
      actorToken: e.actorToken,
      details: e.details as Record<string, unknown>,
      requestId: e.requestId,
      createdAt: e.createdAt.toISOString(),
    }));
  }
}
