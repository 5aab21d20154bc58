import { HttpStatus, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { ProblemException } from '../common/problem';
import { UsersService, type AuthenticatedUser } from '../users/users.service';

/** Email + password, for people; the result is exchanged for a short-lived session token. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly users: UsersService) {
    super({ usernameField: 'email', passwordField: 'password', session: false });
  }

  async validate(email: string, password: string): Promise<AuthenticatedUser> {
    const user = await this.users.verifyCredentials(email, password);
    if (!user)
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'auth/invalid_credentials',
        'wrong email or password',
      );
    return user;
  }
}
