import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ZodSerializerInterceptor, ZodValidationPipe } from 'nestjs-zod';
import type { Logger } from '@nimbus/logging';
import { AccessService } from './auth/access.service';
import { AuthCacheService } from './auth/auth-cache.service';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { BearerStrategy } from './auth/bearer.strategy';
import { LocalStrategy } from './auth/local.strategy';
import { TenantAccessGuard } from './auth/tenant-access.guard';
import { AppsController } from './apps/apps.controller';
import { AppsService } from './apps/apps.service';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { BuildQueueService } from './builds/build-queue.service';
import { BuildsController } from './builds/builds.controller';
import { BuildsService } from './builds/builds.service';
import { GitPushController } from './builds/git-push.controller';
import { PushGrantsService } from './builds/push-grants.service';
import {
  AppConfigController,
  EnvironmentController,
  NamespaceConfigController,
  TenantConfigController,
} from './config-vars/config-vars.controller';
import { ConfigVarsService } from './config-vars/config-vars.service';
import { AgentsController } from './cluster/agents.controller';
import { AgentsService } from './cluster/agents.service';
import { ClusterEventsService } from './cluster/cluster-events.service';
import { NodeAuthGuard } from './cluster/node-auth.guard';
import { NodeWatchHub } from './cluster/node-watch-hub.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { AppLogsService } from './processes/app-logs.service';
import { NodesController } from './processes/nodes.controller';
import { NodesService } from './processes/nodes.service';
import { ProcessesController } from './processes/processes.controller';
import { ProcessesService } from './processes/processes.service';
import { GitHttpController } from './git/git-http.controller';
import { GitHttpService } from './git/git-http.service';
import { GitRepositoriesService } from './git/git-repositories.service';
import { HealthController } from './health/health.controller';
import { KeyringService } from './infra/keyring.service';
import { LOGGER } from './infra/logger.token';
import { MetricsService } from './infra/metrics.service';
import { PrismaService } from './infra/prisma.service';
import { ProblemFilter } from './infra/problem.filter';
import { RateLimitGuard } from './infra/rate-limit.guard';
import { RedisService } from './infra/redis.service';
import { NamespacesController } from './namespaces/namespaces.controller';
import { NamespacesService } from './namespaces/namespaces.service';
import { ReleasesController } from './releases/releases.controller';
import { ReleasesService } from './releases/releases.service';
import { TenantsController } from './tenants/tenants.controller';
import { TenantsService } from './tenants/tenants.service';
import { TokensController } from './tokens/tokens.controller';
import { TokensService } from './tokens/tokens.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [
        HealthController,
        UsersController,
        TokensController,
        TenantsController,
        NamespacesController,
        AppsController,
        TenantConfigController,
        NamespaceConfigController,
        AppConfigController,
        EnvironmentController,
        AuditController,
        GitHttpController,
        ReleasesController,
        BuildsController,
        GitPushController,
        AgentsController,
        ProcessesController,
        NodesController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        PrismaService,
        RedisService,
        MetricsService,
        KeyringService,
        AuthCacheService,
        AccessService,
        AuditService,
        TokensService,
        UsersService,
        TenantsService,
        NamespacesService,
        AppsService,
        ConfigVarsService,
        ReleasesService,
        GitRepositoriesService,
        GitHttpService,
        BuildQueueService,
        BuildsService,
        PushGrantsService,
        ClusterEventsService,
        AgentsService,
        NodeAuthGuard,
        NodeWatchHub,
        ProcessesService,
        AppLogsService,
        NodesService,
        BearerStrategy,
        LocalStrategy,
        // Guards run in this order: who is calling, whether they have budget, what they may touch.
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: TenantAccessGuard },
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: ZodSerializerInterceptor },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
