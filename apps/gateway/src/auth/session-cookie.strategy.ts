import { HttpStatus, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Request } from 'express';
import { ProblemException } from '../common/problem';
import { TokensService } from '../tokens/tokens.service';
import type { Principal } from './principal';
import { CSRF_HEADER, carriesCsrfToken, isWrite, sessionTokenFromCookie } from './session-cookie';

/**
 * The console's sessions: the token in the session cookie, for requests that carry no
 * Authorization header (an explicit credential always wins). A write must also carry the
 * session's CSRF token: SameSite=Strict already keeps other sites' pages from sending the cookie,
 * the token also holds against a sibling subdomain (an app under NIMBUS_DOMAIN) or an old browser.
 */
@Injectable()
export class SessionCookieStrategy extends PassportStrategy(Strategy, 'session-cookie') {
  constructor(private readonly tokens: TokensService) {
    super();
  }

  async validate(request: Request): Promise<Principal | false> {
    if (request.headers.authorization !== undefined) return false;
    const token = sessionTokenFromCookie(request);
    if (!token) return false;
    const principal = await this.tokens.authenticateRequest(request, token);
    if (!principal || principal.token.kind !== 'session') return false;
    if (isWrite(request) && !carriesCsrfToken(request, token)) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'auth/csrf',
        `a write with the session cookie needs the session's ${CSRF_HEADER} header; reload the console`,
      );
    }
    request.principal = principal;
    request.sessionToken = token;
    return principal;
  }
}
