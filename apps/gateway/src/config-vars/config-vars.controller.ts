import { Body, Controller, Get, Patch, Query, Req, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { Request } from 'express';
import type { Role } from '@nimbus/domain';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole, TenantWide } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { currentAppOf } from '../apps/current-app.decorator';
import { ConfigSetDto, EnvironmentDto, PatchConfigDto, RevealQueryDto } from './dto/config.dto';
import { ConfigVarsService, type ConfigTarget } from './config-vars.service';

interface ScopeRoutes {
  /** Names the generated class, and so the operation ids in the OpenAPI document. */
  name: string;
  path: string;
  /** Reading needs viewer everywhere; writing an app's config needs developer, wider scopes admin. */
  writeRole: Role;
  /** Tenant-level routes are closed to tokens limited to one namespace. */
  tenantWide: boolean;
  /** What the request addresses; an app's routes get the app CurrentAppGuard resolved. */
  target(request: Request): ConfigTarget;
}

const noDecorator: MethodDecorator = () => undefined;

/** The config and secrets routes of one scope; the three scopes differ only in what ScopeRoutes says. */
function configController(scope: ScopeRoutes): Type<unknown> {
  const Wide = scope.tenantWide ? TenantWide() : noDecorator;

  @ApiTags('config')
  @ApiBearerAuth()
  @Controller(scope.path)
  class ScopedConfigController {
    constructor(readonly config: ConfigVarsService) {}

    @Get('config')
    @RequireRole('viewer')
    @Wide
    @ZodResponse({ status: 200, type: ConfigSetDto })
    vars(@CurrentAccess() access: TenantAccess, @Req() request: Request) {
      return this.config.list(access, scope.target(request), 'var', null);
    }

    @Patch('config')
    @RequireRole(scope.writeRole)
    @Wide
    @ZodResponse({ status: 200, type: ConfigSetDto })
    patchVars(
      @CurrentPrincipal() principal: Principal,
      @CurrentAccess() access: TenantAccess,
      @Req() request: Request,
      @Body() body: PatchConfigDto,
      @RequestId() requestId: string | null,
    ) {
      return this.config.patch(principal, access, scope.target(request), 'var', body, requestId);
    }

    @Get('secrets')
    @RequireRole('viewer')
    @Wide
    @ZodResponse({ status: 200, type: ConfigSetDto })
    secrets(
      @CurrentPrincipal() principal: Principal,
      @CurrentAccess() access: TenantAccess,
      @Req() request: Request,
      @Query() query: RevealQueryDto,
      @RequestId() requestId: string | null,
    ) {
      const reveal = query.reveal ? { principal, requestId } : null;
      return this.config.list(access, scope.target(request), 'secret', reveal);
    }

    @Patch('secrets')
    @RequireRole(scope.writeRole)
    @Wide
    @ZodResponse({ status: 200, type: ConfigSetDto })
    patchSecrets(
      @CurrentPrincipal() principal: Principal,
      @CurrentAccess() access: TenantAccess,
      @Req() request: Request,
      @Body() body: PatchConfigDto,
      @RequestId() requestId: string | null,
    ) {
      return this.config.patch(principal, access, scope.target(request), 'secret', body, requestId);
    }
  }
  Object.defineProperty(ScopedConfigController, 'name', { value: scope.name });
  return ScopedConfigController;
}

export const TenantConfigController = configController({
  name: 'TenantConfigController',
  path: 'v1/tenants/:tenant',
  writeRole: 'admin',
  tenantWide: true,
  target: () => ({ scope: 'tenant' }),
});

export const NamespaceConfigController = configController({
  name: 'NamespaceConfigController',
  path: 'v1/tenants/:tenant/namespaces/:namespace',
  writeRole: 'admin',
  tenantWide: false,
  target: () => ({ scope: 'namespace' }),
});

export const AppConfigController = configController({
  name: 'AppConfigController',
  path: 'v1/tenants/:tenant/namespaces/:namespace/apps/:app',
  writeRole: 'developer',
  tenantWide: false,
  target: (request) => ({ scope: 'app', app: currentAppOf(request) }),
});

/** The merged environment an app's instances receive. */
@ApiTags('config')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class EnvironmentController {
  constructor(private readonly config: ConfigVarsService) {}

  @Get('environment')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: EnvironmentDto })
  environment(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Req() request: Request,
    @Query() query: RevealQueryDto,
    @RequestId() requestId: string | null,
  ) {
    const reveal = query.reveal ? { principal, requestId } : null;
    return this.config.environment(access, currentAppOf(request), reveal);
  }
}
