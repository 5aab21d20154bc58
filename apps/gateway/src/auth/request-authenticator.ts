import { HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from '../common/problem';
import { TokensService } from '../tokens/tokens.service';
import type { Principal } from './principal';
import { CSRF_HEADER, carriesCsrfToken, isWrite, sessionTokenFromCookie } from './session-cookie';

const BEARER = /^Bearer$/i;

/**
 * Who a request's credential stands for: a bearer token in `Authorization` (RFC 6750), or, for a
 * request with no `Authorization` header at all, the console's session cookie (an explicit
 * credential always wins). A write with the cookie must also carry the session's CSRF token:
 * SameSite=Strict already keeps other sites' pages from sending the cookie, the token also holds
 * against a sibling subdomain (an app under NIMBUS_DOMAIN) or an old browser.
 *
 * Written out rather than run through passport: its strategy chain cost about 5% of the gateway's
 * CPU per request (bench:api) for what is one header split and one cookie read.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(private readonly tokens: TokensService) {}

  /** The principal, or null; sets `request.principal` (and `request.sessionToken` for a session). */
  async authenticate(request: Request): Promise<Principal | null> {
    const authorization = request.headers.authorization;
    return authorization === undefined ? this.bySession(request) : this.byBearer(request, authorization);
  }

  private async byBearer(request: Request, authorization: string): Promise<Principal | null> {
    const [scheme, token, ...rest] = authorization.split(' ');
    if (!scheme || !token || rest.length > 0 || !BEARER.test(scheme)) return null;
    const principal = await this.tokens.authenticateRequest(request, token);
    if (principal) request.principal = principal;
    return principal;
  }

  private async bySession(request: Request): Promise<Principal | null> {
    const token = sessionTokenFromCookie(request);
    if (!token) return null;
    const principal = await this.tokens.authenticateRequest(request, token);
    if (!principal || principal.token.kind !== 'session') return null;
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
