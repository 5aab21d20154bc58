import { Module } from '@nestjs/common';
import { SystemScopeModule } from '../infra/system-scope.module';
import { DomainsController } from './domains.controller';
import { DomainsService } from './domains.service';

/** Custom domains; the system scope only for the platform-wide check that a name is free. */
@Module({
  imports: [SystemScopeModule],
  controllers: [DomainsController],
  providers: [DomainsService],
})
export class DomainsModule {}
