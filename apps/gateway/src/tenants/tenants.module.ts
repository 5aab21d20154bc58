import { Module } from '@nestjs/common';
import { AccessModule } from '../auth/access.module';
import { GitModule } from '../git/git.module';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({
  imports: [AccessModule, GitModule],
  controllers: [TenantsController],
  providers: [TenantsService],
})
export class TenantsModule {}
