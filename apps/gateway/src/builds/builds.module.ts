import { Module } from '@nestjs/common';
import { GitModule } from '../git/git.module';
import { UsersModule } from '../users/users.module';
import { BuildQueueService } from './build-queue.service';
import { BuildsController } from './builds.controller';
import { BuildsService } from './builds.service';
import { GitPushController } from './git-push.controller';

@Module({
  imports: [UsersModule, GitModule],
  controllers: [BuildsController, GitPushController],
  providers: [BuildQueueService, BuildsService],
})
export class BuildsModule {}
