import { Module } from '@nestjs/common';
import { SystemScopeModule } from '../infra/system-scope.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { NodeAuthGuard } from './node-auth.guard';
import { NodeWatchHub } from './node-watch-hub.service';

/** The agents' API (libs/cluster's agent protocol): the control plane's side, across tenants. */
@Module({
  imports: [SystemScopeModule],
  controllers: [AgentsController],
  providers: [AgentsService, NodeAuthGuard, NodeWatchHub],
})
export class AgentsModule {}
