import { Body, Controller, Get, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { Request } from 'express';
import { CurrentPrincipal, Public, RequestId } from '../auth/auth.decorators';
import { LocalAuthGuard } from '../auth/local-auth.guard';
import type { Principal } from '../auth/principal';
import { TokensService } from '../tokens/tokens.service';
import { CreateUserDto, LoginDto, SessionDto, UserDto, WhoamiDto } from './dto/user.dto';
import { UsersService, type AuthenticatedUser } from './users.service';

@ApiTags('auth')
@Controller('v1')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
  ) {}

  /** Exchanges an email and password for a short-lived session token. */
  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('auth/login')
  @ApiBody({ type: LoginDto })
  @ZodResponse({ status: 201, type: SessionDto })
  async login(@Req() request: Request, @Body() _body: LoginDto, @RequestId() requestId: string | null) {
    const user = request.user as AuthenticatedUser;
    const session = await this.tokens.createSession(user.id, requestId);
    return { token: session.token, expiresAt: session.expiresAt.toISOString() };
  }

  @ApiBearerAuth()
  @Get('whoami')
  @ZodResponse({ status: 200, type: WhoamiDto })
  whoami(@CurrentPrincipal() principal: Principal) {
    return this.users.whoami(principal);
  }

  /** Platform administrators only: adds a person who can then be made a member of tenants. */
  @ApiBearerAuth()
  @Post('users')
  @ZodResponse({ status: 201, type: UserDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateUserDto,
    @RequestId() requestId: string | null,
  ) {
    return this.users.create(principal, body, requestId);
  }
}
