import { Body, Controller, Delete, Get, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole, TenantWide } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { requireNamespace } from '../common/access-targets';
import { CreateNamespaceDto, NamespaceDto, NamespaceListDto, UpdateNamespaceDto } from './dto/namespace.dto';
import { NamespacesService } from './namespaces.service';

@ApiTags('namespaces')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces')
export class NamespacesController {
  constructor(private readonly namespaces: NamespacesService) {}

  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: NamespaceListDto })
  list(@CurrentPrincipal() principal: Principal, @CurrentAccess() access: TenantAccess) {
    return this.namespaces.list(principal, access);
  }

  @Post()
  @RequireRole('admin')
  @TenantWide()
  @ZodResponse({ status: 201, type: NamespaceDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: CreateNamespaceDto,
    @RequestId() requestId: string | null,
  ) {
    return this.namespaces.create(principal, access, body, requestId);
  }

  @Get(':namespace')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: NamespaceDto })
  get(@CurrentAccess() access: TenantAccess) {
    return this.namespaces.get(access, requireNamespace(access));
  }

  @Patch(':namespace')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: NamespaceDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @Body() body: UpdateNamespaceDto,
    @RequestId() requestId: string | null,
  ) {
    return this.namespaces.update(principal, access, requireNamespace(access), body, requestId);
  }

  @Delete(':namespace')
  @RequireRole('admin')
  @ZodResponse({ status: 200, type: NamespaceDto })
  destroy(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @RequestId() requestId: string | null,
  ) {
    return this.namespaces.destroy(principal, access, requireNamespace(access), requestId);
  }
}
