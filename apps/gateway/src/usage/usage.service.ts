import { HttpStatus, Injectable } from '@nestjs/common';
import { UsageRepository } from '@nimbus/db';
import { ProblemException } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { parseInstant, type Usage, type UsageQueryDto } from './dto/usage.dto';
import { usageReport } from './usage-report';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_DAYS = 366;
const MAX_HOURLY_DAYS = 31;

/** Thrown when `from`/`to` make no range we answer: the detail names which. */
const invalidRange = (detail: string, field: 'from' | 'to') =>
  new ProblemException(HttpStatus.BAD_REQUEST, 'usage/invalid_range', detail, [
    { field: `query.${field}`, message: detail },
  ]);

/** The start of `now`'s month, UTC. */
const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

@Injectable()
export class UsageService {
  constructor(private readonly prisma: PrismaService) {}

  /** A token limited to one namespace sees only that namespace's usage. */
  async report(
    principal: Principal,
    access: TenantAccess,
    query: UsageQueryDto,
    now = new Date(),
  ): Promise<Usage> {
    const { from, to } = this.range(query, now);
    const byHour = query.granularity === 'hour';
    const range = {
      from,
      to,
      byHour,
      ...(principal.token.namespaceId ? { namespaceId: principal.token.namespaceId } : {}),
    };
    const usage = new UsageRepository(this.prisma.client);
    const [instances, requests] = await Promise.all([
      usage.instanceUsage(access.scope, range),
      usage.requestUsage(access.scope, range),
    ]);
    return {
      tenant: access.tenant.name,
      from: from.toISOString(),
      to: to.toISOString(),
      granularity: query.granularity,
      ...usageReport(instances, requests, byHour),
    };
  }

  /** `from` rounded down to its hour, since usage is kept per hour. */
  private range(query: UsageQueryDto, now: Date): { from: Date; to: Date } {
    const given = query.from ? parseInstant(query.from) : monthStart(now);
    const from = new Date(Math.floor(given.getTime() / HOUR_MS) * HOUR_MS);
    const to = query.to ? parseInstant(query.to) : now;
    if (to <= from) throw invalidRange('`to` must be after `from`', 'to');
    const maxDays = query.granularity === 'hour' ? MAX_HOURLY_DAYS : MAX_DAYS;
    if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
      throw invalidRange(
        `the range may span at most ${maxDays} days${query.granularity === 'hour' ? ' per hour' : ''}`,
        'to',
      );
    }
    return { from, to };
  }
}
