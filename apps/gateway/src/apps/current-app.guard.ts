import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppsService } from './apps.service';

/**
 * Runs after TenantAccessGuard: on a route with `:app` whose access it resolved, looks the app up
 * once (404 when not in the namespace), so a role too weak is still a 403 before any 404 for the
 * app, and handlers receive it through @CurrentApp.
 */
@Injectable()
export class CurrentAppGuard implements CanActivate {
  constructor(private readonly apps: AppsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const name = (request.params as { app?: string }).app;
    if (name === undefined || !request.access) return true;
    request.currentApp = await this.apps.find(request.access, name);
    return true;
  }
}
