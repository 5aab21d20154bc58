import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccessModule } from './access.module';
import { LocalStrategy } from './local.strategy';
import { RequestAuthenticator } from './request-authenticator';

/**
 * Who is calling: bearer tokens and the console's session cookie (RequestAuthenticator), and
 * passwords (passport's local strategy, for signing in). The global guards need AccessModule's
 * resolver.
 */
@Module({
  // Users before tokens: the order of modules is the order of routes in the OpenAPI document.
  imports: [PassportModule, AccessModule, UsersModule, TokensModule],
  providers: [RequestAuthenticator, LocalStrategy],
  exports: [AccessModule, RequestAuthenticator],
})
export class AuthModule {}
