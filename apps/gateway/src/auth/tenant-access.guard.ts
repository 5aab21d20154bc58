import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { roleAtLeast, type Role } from '@nimbus/domain';
import { forbidden } from '../common/problem';
import { AccessService } from './access.service';
import { REQUIRED_ROLE, TENANT_WIDE } from './auth.decorators';

/**
 * Runs on every route that declares @RequireRole: resolves `:tenant`/`:namespace` for the caller
 * (404 when not theirs), then checks the role (403 when too weak). Handlers receive the result
 * through @CurrentAccess and never look up a tenant themselves.
 */
@Injectable()
export class TenantAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.get<Role | undefined>(REQUIRED_ROLE, context.getHandler());
    if (!required) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const principal = request.principal;
    const { tenant, namespace } = request.params as { tenant?: string; namespace?: string };
    if (!principal || !tenant)
      throw new Error(`route ${request.path} declares a role but has no :tenant parameter`);

    const access = await this.access.resolve(principal, tenant, namespace, request.authEpoch ?? null);
    if (!roleAtLeast(access.role, required)) {
      throw forbidden(
        `this action needs the ${required} role in tenant "${tenant}"; you have ${access.role}`,
      );
    }
    if (
      principal.token.namespaceId &&
      namespace === undefined &&
      this.reflector.get<boolean>(TENANT_WIDE, context.getHandler())
    ) {
      throw forbidden('this token is limited to one namespace and cannot act on the whole tenant');
    }
    request.access = access;
    return true;
  }
}
