import { Body, Controller, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole, TenantWide } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import {
  CreateTenantDto,
  MemberDto,
  MemberListDto,
  PutMemberDto,
  TenantDto,
  TenantListDto,
} from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ZodResponse({ status: 200, type: TenantListDto })
  list(@CurrentPrincipal() principal: Principal) {
    return this.tenants.list(principal);
  }

  @Post()
  @ZodResponse({ status: 201, type: TenantDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateTenantDto,
    @RequestId() requestId: string | null,
  ) {
    return this.tenants.create(principal, body.name, requestId);
  }

  @Get(':tenant')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: TenantDto })
  get(@CurrentAccess() access: TenantAccess) {
    return this.tenants.get(access);
  }

  @Delete(':tenant')
  @RequireRole('owner')
  @TenantWide()
  @ZodResponse({ status: 200, type: TenantDto })
  destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @RequestId() requestId: string | null,
  ) {
    return this.tenants.destroy(principal, access, requestId);
  }

  @Get(':tenant/members')
  @RequireRole('viewer')
  @TenantWide()
  @ZodResponse({ status: 200, type: MemberListDto })
  members(@CurrentAccess() access: TenantAccess) {
    return this.tenants.members(access);
  }

  @Put(':tenant/members/:email')
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 200, type: MemberDto })
  putMember(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('email') email: string,
    @Body() body: PutMemberDto,
    @RequestId() requestId: string | null,
  ) {
    return this.tenants.putMember(principal, access, email, body.role, requestId);
  }

  @Delete(':tenant/members/:email')
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 200, type: MemberDto })
  removeMember(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Param('email') email: string,
    @RequestId() requestId: string | null,
  ) {
    return this.tenants.removeMember(principal, access, email, requestId);
  }
}
