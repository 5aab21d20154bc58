import { Module } from '@nestjs/common';
import { AccessModule } from '../auth/access.module';
import { TokensModule } from '../tokens/tokens.module';
import { GitHttpController } from './git-http.controller';
import { GitHttpService } from './git-http.service';
import { GitRepositoriesService } from './git-repositories.service';
import { PushGrantsService } from './push-grants.service';

/** Apps' git repositories, served over smart HTTP; a push is handed to the builds through a grant. */
@Module({
  imports: [AccessModule, TokensModule],
  controllers: [GitHttpController],
  providers: [GitRepositoriesService, GitHttpService, PushGrantsService],
  exports: [GitRepositoriesService, PushGrantsService],
})
export class GitModule {}
