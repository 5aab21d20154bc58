import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, RequireRole, TenantWide } from '../auth/auth.decorators';
import type { TenantAccess } from '../auth/principal';
import { AuditService } from './audit.service';
import { AuditEntryListDto, AuditQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first; page with `before`. */
  @Get()
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 200, type: AuditEntryListDto })
  list(@CurrentAccess() access: TenantAccess, @Query() query: AuditQueryDto) {
    return this.audit.list(access, query.limit, query.before);
  }
}
