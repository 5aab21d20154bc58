import { Module } from '@nestjs/common';
import { SystemScopeModule } from '../infra/system-scope.module';
import { AgentMetricsController } from './agent-metrics.controller';
import { AgentMetricsService } from './agent-metrics.service';

/**
 * The agents' per-second instance metrics: across tenants (hence the system scope), kept apart
 * from the tenant-facing MetricsModule so that one cannot reach other tenants' rows.
 */
@Module({
  imports: [SystemScopeModule],
  controllers: [AgentMetricsController],
  providers: [AgentMetricsService],
})
export class AgentMetricsModule {}
