import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { Request } from 'express';
import { TokensService } from '../tokens/tokens.service';
import { AuthCacheService } from './auth-cache.service';
import type { Principal } from './principal';

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    private readonly tokens: TokensService,
    private readonly cache: AuthCacheService,
  ) {
    super({ passReqToCallback: true });
  }

  async validate(request: Request, token: string): Promise<Principal | false> {
    // Read once per request, before any cached fact is used, and reused by the access guard.
    request.authEpoch = await this.cache.epoch();
    const principal = await this.tokens.authenticate(token, request.authEpoch);
    if (principal) request.principal = principal;
    return principal ?? false;
  }
}
