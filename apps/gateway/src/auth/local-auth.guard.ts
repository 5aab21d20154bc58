import { HttpStatus, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../common/problem';

@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  // passport's (err, user, info) callback: a missing field is the client's mistake, not a bad password.
  override handleRequest<TUser>(
    error: unknown,
    user: TUser | false,
    info: { message?: string } | undefined,
  ): TUser {
    if (error) throw error;
    if (!user) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'request/invalid',
        info?.message ?? 'email and password are required',
        [
          { field: 'body.email', message: 'required' },
          { field: 'body.password', message: 'required' },
        ],
      );
    }
    return user;
  }
}
