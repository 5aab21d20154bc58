import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '@nimbus/domain';
import type { Principal, TenantAccess } from './principal';

export const PUBLIC_ROUTE = 'nimbus:public';
export const REQUIRED_ROLE = 'nimbus:required-role';
export const TENANT_WIDE = 'nimbus:tenant-wide';

/** No credentials needed (health, login, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The weakest tenant role allowed to call the route. The route's `:tenant` (and `:namespace`)
 * parameters are resolved against the caller's memberships before the handler runs.
 */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/**
 * Marks a tenant-level route (no `:namespace`) that acts on the whole tenant: tokens limited to
 * one namespace may not call it.
 */
export const TenantWide = () => SetMetadata(TENANT_WIDE, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<Request>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});

export const CurrentAccess = createParamDecorator((_: unknown, context: ExecutionContext): TenantAccess => {
  const access = context.switchToHttp().getRequest<Request>().access;
  if (!access) throw new Error('CurrentAccess used on a route without RequireRole');
  return access;
});

export const RequestId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | null =>
    context.switchToHttp().getRequest<Request>().requestId ?? null,
);
