import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { SessionController } from './session.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TokensModule],
  controllers: [UsersController, SessionController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
