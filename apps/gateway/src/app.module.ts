import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ZodSerializerInterceptor, ZodValidationPipe } from 'nestjs-zod';
import type { Logger } from '@nimbus/logging';
import { AgentsModule } from './agents/agents.module';
import { AppsModule } from './apps/apps.module';
import { CurrentAppGuard } from './apps/current-app.guard';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { TenantAccessGuard } from './auth/tenant-access.guard';
import { BuildsModule } from './builds/builds.module';
import { ConfigVarsModule } from './config-vars/config-vars.module';
import type { GatewayConfig } from './gateway.config';
import { GitModule } from './git/git.module';
import { HealthModule } from './health/health.module';
import { InfraModule } from './infra/infra.module';
import { ProblemFilter } from './infra/problem.filter';
import { RateLimitGuard } from './infra/rate-limit.guard';
import { NamespacesModule } from './namespaces/namespaces.module';
import { AgentMetricsModule } from './metrics/agent-metrics.module';
import { MetricsModule } from './metrics/metrics.module';
import { NodesModule } from './nodes/nodes.module';
import { ProcessesModule } from './processes/processes.module';
import { AutoscaleModule } from './autoscale/autoscale.module';
import { DomainsModule } from './domains/domains.module';
import { CertificatesModule } from './certificates/certificates.module';
import { ReleasesModule } from './releases/releases.module';
import { TenantsModule } from './tenants/tenants.module';
import { TokensModule } from './tokens/tokens.module';
import { UsageModule } from './usage/usage.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      // Nest registers routes, and the OpenAPI document lists them, in the order it first meets
      // each module (depth first through imports): keep this order, and import a module that has
      // documented routes only from modules listed after it (`npm run openapi:check` guards it).
      imports: [
        InfraModule.forRoot(config, logger),
        HealthModule,
        AuthModule,
        UsersModule,
        TokensModule,
        TenantsModule,
        NamespacesModule,
        AppsModule,
        ConfigVarsModule,
        AuditModule,
        GitModule,
        ReleasesModule,
        BuildsModule,
        AgentsModule,
        ProcessesModule,
        AutoscaleModule,
        DomainsModule,
        CertificatesModule,
        NodesModule,
        MetricsModule,
        AgentMetricsModule,
        UsageModule,
      ],
      providers: [
        // Guards run in this order: who is calling, whether they have budget, what they may touch,
        // and then which app it is (so a role too weak is a 403 before an unknown app's 404).
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: TenantAccessGuard },
        { provide: APP_GUARD, useClass: CurrentAppGuard },
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: ZodSerializerInterceptor },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
