import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ReleasesModule } from '../releases/releases.module';
import {
  AppConfigController,
  EnvironmentController,
  NamespaceConfigController,
  TenantConfigController,
} from './config-vars.controller';
import { ConfigVarsService } from './config-vars.service';

@Module({
  // Audit before releases: the order of modules is the order of routes in the OpenAPI document.
  imports: [AuditModule, ReleasesModule],
  controllers: [
    TenantConfigController,
    NamespaceConfigController,
    AppConfigController,
    EnvironmentController,
  ],
  providers: [ConfigVarsService],
})
export class ConfigVarsModule {}
