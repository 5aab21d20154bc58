import { Module } from '@nestjs/common';
import { SystemScopeModule } from '../infra/system-scope.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

@Module({
  imports: [SystemScopeModule],
  controllers: [NodesController],
  providers: [NodesService],
})
export class NodesModule {}
