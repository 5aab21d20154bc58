import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccessModule } from './access.module';
import { BearerStrategy } from './bearer.strategy';
import { LocalStrategy } from './local.strategy';
import { SessionCookieStrategy } from './session-cookie.strategy';

/**
 * Who is calling: bearer tokens, the console's session cookie, and passwords. The global guards
 * need AccessModule's resolver.
 */
@Module({
  // Users before tokens: the order of modules is the order of routes in the OpenAPI document.
  imports: [PassportModule, AccessModule, UsersModule, TokensModule],
  providers: [BearerStrategy, SessionCookieStrategy, LocalStrategy],
  exports: [AccessModule],
})
export class AuthModule {}
