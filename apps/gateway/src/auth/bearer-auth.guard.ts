import { HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../common/problem';
import { PUBLIC_ROUTE } from './auth.decorators';

/**
 * Every route needs a valid bearer token, or the console's session cookie, unless marked
 * @Public(). Passport tries them in this order and the first that authenticates wins.
 */
@Injectable()
export class BearerAuthGuard extends AuthGuard(['bearer', 'session-cookie']) {
  constructor(private readonly reflector: Reflector) {
    super({ session: false });
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  // passport's (err, user, info, status) callback signature.
  override handleRequest<TUser>(error: unknown, principal: TUser | false): TUser {
    if (error) throw error;
    if (!principal) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'auth/unauthenticated',
        'a valid, unexpired and unrevoked bearer token is required',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="nimbus"' },
      );
    }
    return principal;
  }

  override getRequest(context: ExecutionContext) {
    return context.switchToHttp().getRequest();
  }
}
