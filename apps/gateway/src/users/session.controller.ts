import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Public, RequestId } from '../auth/auth.decorators';
import { LocalAuthGuard } from '../auth/local-auth.guard';
import type { Principal } from '../auth/principal';
import { SESSION_COOKIE, csrfTokenFor, sessionCookieOptions } from '../auth/session-cookie';
import { TokensService } from '../tokens/tokens.service';
import { ConsoleSessionDto, LoginDto } from './dto/user.dto';
import type { AuthenticatedUser } from './users.service';

/**
 * Sessions for the web console: the session token lives in an HttpOnly cookie, never in what a
 * page script can read; the page gets the session's CSRF token instead, for its writes.
 */
@ApiTags('auth')
@Controller('v1/auth/session')
export class SessionController {
  constructor(private readonly tokens: TokensService) {}

  /** Signs in with email and password: sets the session cookie. */
  @Public()
  @UseGuards(LocalAuthGuard)
  @Post()
  @ApiBody({ type: LoginDto })
  @ZodResponse({ status: 201, type: ConsoleSessionDto })
  async signIn(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Body() _body: LoginDto,
    @RequestId() requestId: string | null,
  ) {
    const user = request.user as AuthenticatedUser;
    const session = await this.tokens.createSession(user.id, requestId);
    const ttl = session.expiresAt.getTime() - Date.now();
    response.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(request, ttl));
    return { csrfToken: csrfTokenFor(session.token), expiresAt: session.expiresAt.toISOString() };
  }

  /** The session the cookie carries, with its CSRF token (a console page loaded anew asks here). */
  @ApiCookieAuth(SESSION_COOKIE)
  @Get()
  @ZodResponse({ status: 200, type: ConsoleSessionDto })
  current(@Req() request: Request, @CurrentPrincipal() principal: Principal) {
    const session = this.tokens.currentSession(principal, request.sessionToken ?? null);
    return { csrfToken: csrfTokenFor(session.token), expiresAt: session.expiresAt.toISOString() };
  }

  /** Signs out: the session ends on the server, at once on every gateway, and the cookie goes. */
  @ApiCookieAuth(SESSION_COOKIE)
  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Signed out' })
  async signOut(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<void> {
    await this.tokens.endSession(principal, requestId);
    // Express 5 ignores maxAge here: the cookie is cleared with the attributes it was set with.
    response.clearCookie(SESSION_COOKIE, sessionCookieOptions(request, 0));
  }
}
