import { Body, Controller, Delete, Get, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { AppDto, AppListDto, CreateAppDto, UpdateAppDto } from './dto/app.dto';
import type { App } from '@nimbus/db';
import { AppsService } from './apps.service';
import { CurrentApp } from './current-app.decorator';

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
    return this.apps.create(principal, access, body.name, body.runtime, requestId);
  }

  @Get(':app')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: AppDto })
  get(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App) {
    return this.apps.describe(app, access);
  }

  /** Changes how the app's instances run (`process` or `oci`); they are replaced one by one. */
  @Patch(':app')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: AppDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: UpdateAppDto,
    @RequestId() requestId: string | null,
  ) {
    return this.apps.update(principal, access, app, body.runtime, requestId);
  }

  @Delete(':app')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: AppDto })
  destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @RequestId() requestId: string | null,
  ) {
    return this.apps.destroy(principal, access, app, requestId);
  }
}
