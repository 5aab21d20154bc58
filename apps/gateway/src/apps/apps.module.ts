import { Module } from '@nestjs/common';
import { GitModule } from '../git/git.module';
import { AppListCache } from './app-list.cache';
import { AppsController } from './apps.controller';
import { AppsService } from './apps.service';

@Module({
  imports: [GitModule],
  controllers: [AppsController],
  providers: [AppsService, AppListCache],
  // For CurrentAppGuard, which runs globally after the access guard; the cache for createGatewayApp.
  exports: [AppsService, AppListCache],
})
export class AppsModule {}
