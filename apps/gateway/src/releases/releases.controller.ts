import { Body, Controller, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import type { App } from '@nimbus/db';
import { CurrentApp } from '../apps/current-app.decorator';
import { ReleaseDto, ReleaseListDto, ReleaseListQueryDto, RollbackDto } from './dto/release.dto';
import { ReleasesService } from './releases.service';

@ApiTags('releases')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class ReleasesController {
  constructor(private readonly releases: ReleasesService) {}

  /** Newest first. */
  @Get('releases')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ReleaseListDto })
  list(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Query() query: ReleaseListQueryDto) {
    return this.releases.list(access, app, query.limit);
  }

  @Get('releases/:version')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ReleaseDto })
  get(
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('version', ParseIntPipe) version: number,
  ) {
    return this.releases.get(access, app, version);
  }

  /** Runs an earlier release's image and configuration again, as a new release. */
  @Post('rollback')
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: ReleaseDto })
  rollback(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: RollbackDto,
    @RequestId() requestId: string | null,
  ) {
    return this.releases.rollback(principal, access, app, body.version, requestId);
  }
}
