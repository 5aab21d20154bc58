import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { App } from '@nimbus/db';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { CurrentApp } from '../apps/current-app.decorator';
import { AddDomainDto, DomainDto, DomainListDto } from './dto/domain.dto';
import { DomainsService } from './domains.service';

@ApiTags('domains')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app/domains')
export class DomainsController {
  constructor(private readonly domains: DomainsService) {}

  /** The app's custom domains. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: DomainListDto })
  list(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App) {
    return this.domains.list(access, app);
  }

  /**
   * Makes the app answer on a domain of yours (point its DNS at the routers). A name another
   * app already has, or one that would shadow another tenant's, is refused (409).
   */
  @Post()
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: DomainDto })
  add(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: AddDomainDto,
    @RequestId() requestId: string | null,
  ) {
    return this.domains.add(principal, access, app, body.hostname, requestId);
  }

  @Delete(':hostname')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: DomainDto })
  remove(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('hostname') hostname: string,
    @RequestId() requestId: string | null,
  ) {
    return this.domains.remove(principal, access, app, hostname, requestId);
  }
}
