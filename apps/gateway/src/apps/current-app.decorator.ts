import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';
import type { App } from '@nimbus/db';

declare module 'express' {
  interface Request {
    /** The app named by `:app`, looked up by CurrentAppGuard once access and role are checked. */
    currentApp?: App;
  }
}

/** The app CurrentAppGuard resolved for a route with `:app`. */
export function currentAppOf(request: Request): App {
  if (!request.currentApp) throw new Error('CurrentApp used on a route without :app and RequireRole');
  return request.currentApp;
}

/**
 * The app named by the route's `:app`, already looked up (404 when not in the namespace). It still
 * declares `app` as a path parameter, as `@Param('app')` did, so the OpenAPI document keeps it.
 */
export const CurrentApp = createParamDecorator(
  (_: unknown, context: ExecutionContext): App => currentAppOf(context.switchToHttp().getRequest<Request>()),
  [
    (target, key) => {
      if (key === undefined) return;
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (descriptor) ApiParam({ name: 'app', type: String })(target, key, descriptor);
    },
  ],
);
