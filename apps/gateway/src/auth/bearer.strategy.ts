import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { Request } from 'express';
import { TokensService } from '../tokens/tokens.service';
import type { Principal } from './principal';

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly tokens: TokensService) {
    super({ passReqToCallback: true });
  }

  async validate(request: Request, token: string): Promise<Principal | false> {
    const principal = await this.tokens.authenticateRequest(request, token);
    if (principal) request.principal = principal;
    return principal ?? false;
  }
}
