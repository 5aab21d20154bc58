import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '../common/problem';
import { PUBLIC_ROUTE } from './auth.decorators';
import { RequestAuthenticator } from './request-authenticator';

/**
 * Every route needs a valid bearer token, or the console's session cookie, unless marked
 * @Public().
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const principal = await this.authenticator.authenticate(context.switchToHttp().getRequest<Request>());
    if (!principal) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'auth/unauthenticated',
        'a valid, unexpired and unrevoked bearer token is required',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="nimbus"' },
      );
    }
    return true;
  }
}
