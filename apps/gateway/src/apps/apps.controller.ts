import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { AppDto, AppListDto, CreateAppDto } from './dto/app.dto';
import { AppsService, presentApp } from './apps.service';

@ApiTags('apps')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: AppListDto })
  list(@CurrentAccess() access: TenantAccess) {
    return this.apps.list(access);
  }

  @Post()
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: AppDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: CreateAppDto,
    @RequestId() requestId: string | null,
  ) {
    return this.apps.create(principal, access, body.name, requestId);
  }

  @Get(':app')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: AppDto })
  async get(@CurrentAccess() access: TenantAccess, @Param('app') name: string) {
    return presentApp(await this.apps.find(access, name), access);
  }

  @Delete(':app')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: AppDto })
  destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @RequestId() requestId: string | null,
  ) {
    return this.apps.destroy(principal, access, name, requestId);
  }
}
