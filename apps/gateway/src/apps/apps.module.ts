import { Module } from '@nestjs/common';
import { GitModule } from '../git/git.module';
import { AppsController } from './apps.controller';
import { AppsService } from './apps.service';

@Module({
  imports: [GitModule],
  controllers: [AppsController],
  providers: [AppsService],
  // For CurrentAppGuard, which runs globally after the access guard.
  exports: [AppsService],
})
export class AppsModule {}
