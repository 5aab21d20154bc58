import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { UsageDto, UsageQueryDto } from './dto/usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Instance-seconds by size and requests, by namespace and app, over a range of hours. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: UsageDto })
  get(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Query() query: UsageQueryDto,
  ) {
    return this.usage.report(principal, access, query);
  }
}
