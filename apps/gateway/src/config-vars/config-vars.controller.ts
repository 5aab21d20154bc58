import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole, TenantWide } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { AppsService } from '../apps/apps.service';
import { ConfigSetDto, EnvironmentDto, PatchConfigDto, RevealQueryDto } from './dto/config.dto';
import { ConfigVarsService } from './config-vars.service';

// Config vars and secrets at each of the three scopes. Reading needs viewer; changing an app's
// needs developer, changing a namespace's or the tenant's needs admin; revealing needs admin.

@ApiTags('config')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant')
export class TenantConfigController {
  constructor(private readonly config: ConfigVarsService) {}

  @Get('config')
  @RequireRole('viewer')
  @TenantWide()
  @ZodResponse({ status: 200, type: ConfigSetDto })
  vars(@CurrentAccess() access: TenantAccess) {
    return this.config.list(access, { scope: 'tenant' }, 'var', false);
  }

  @Patch('config')
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 200, type: ConfigSetDto })
  patchVars(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(p, access, { scope: 'tenant' }, 'var', body, id);
  }

  @Get('secrets')
  @RequireRole('viewer')
  @TenantWide()
  @ZodResponse({ status: 200, type: ConfigSetDto })
  secrets(@CurrentAccess() access: TenantAccess, @Query() query: RevealQueryDto) {
    return this.config.list(access, { scope: 'tenant' }, 'secret', query.reveal);
  }

  @Patch('secrets')
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 200, type: ConfigSetDto })
  patchSecrets(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(p, access, { scope: 'tenant' }, 'secret', body, id);
  }
}

@ApiTags('config')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace')
export class NamespaceConfigController {
  constructor(private readonly config: ConfigVarsService) {}

  @Get('config')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  vars(@CurrentAccess() access: TenantAccess) {
    return this.config.list(access, { scope: 'namespace' }, 'var', false);
  }

  @Patch('config')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  patchVars(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(p, access, { scope: 'namespace' }, 'var', body, id);
  }

  @Get('secrets')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  secrets(@CurrentAccess() access: TenantAccess, @Query() query: RevealQueryDto) {
    return this.config.list(access, { scope: 'namespace' }, 'secret', query.reveal);
  }

  @Patch('secrets')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  patchSecrets(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(p, access, { scope: 'namespace' }, 'secret', body, id);
  }
}

@ApiTags('config')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class AppConfigController {
  constructor(
    private readonly config: ConfigVarsService,
    private readonly apps: AppsService,
  ) {}

  @Get('config')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  async vars(@CurrentAccess() access: TenantAccess, @Param('app') name: string) {
    return this.config.list(access, { scope: 'app', app: await this.apps.find(access, name) }, 'var', false);
  }

  @Patch('config')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  async patchVars(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(
      p,
      access,
      { scope: 'app', app: await this.apps.find(access, name) },
      'var',
      body,
      id,
    );
  }

  @Get('secrets')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  async secrets(
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Query() query: RevealQueryDto,
  ) {
    return this.config.list(
      access,
      { scope: 'app', app: await this.apps.find(access, name) },
      'secret',
      query.reveal,
    );
  }

  @Patch('secrets')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: ConfigSetDto })
  async patchSecrets(
    @CurrentPrincipal() p: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Body() body: PatchConfigDto,
    @RequestId() id: string | null,
  ) {
    return this.config.patch(
      p,
      access,
      { scope: 'app', app: await this.apps.find(access, name) },
      'secret',
      body,
      id,
    );
  }

  /** The merged environment the app's instances receive. */
  @Get('environment')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: EnvironmentDto })
  async environment(
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Query() query: RevealQueryDto,
  ) {
    return this.config.environment(access, await this.apps.find(access, name), query.reveal);
  }
}
