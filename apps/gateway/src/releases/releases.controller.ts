import { Body, Controller, Get, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { AppsService } from '../apps/apps.service';
import { ReleaseDto, ReleaseListDto, ReleaseListQueryDto, RollbackDto } from './dto/release.dto';
import { ReleasesService } from './releases.service';

@ApiTags('releases')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class ReleasesController {
  constructor(
    private readonly releases: ReleasesService,
    private readonly apps: AppsService,
  ) {}

  /** Newest first. */
  @Get('releases')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ReleaseListDto })
  async list(
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Query() query: ReleaseListQueryDto,
  ) {
    return this.releases.list(access, await this.apps.find(access, name), query.limit);
  }

  @Get('releases/:version')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: ReleaseDto })
  async get(
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Param('version', ParseIntPipe) version: number,
  ) {
    return this.releases.get(access, await this.apps.find(access, name), version);
  }

  /** Runs an earlier release's image and configuration again, as a new release. */
  @Post('rollback')
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: ReleaseDto })
  async rollback(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('app') name: string,
    @Body() body: RollbackDto,
    @RequestId() requestId: string | null,
  ) {
    return this.releases.rollback(
      principal,
      access,
      await this.apps.find(access, name),
      body.version,
      requestId,
    );
  }
}
