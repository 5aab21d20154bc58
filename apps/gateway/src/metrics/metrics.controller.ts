import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { App } from '@nimbus/db';
import { CurrentApp } from '../apps/current-app.decorator';
import { CurrentAccess, RequireRole } from '../auth/auth.decorators';
import type { TenantAccess } from '../auth/principal';
import { AppMetricsService } from './app-metrics.service';
import { AppMetricsDto, MetricsQueryDto } from './dto/metrics.dto';

@ApiTags('metrics')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class MetricsController {
  constructor(private readonly metrics: AppMetricsService) {}

  /**
   * Per process type: replicas and ready instances now, and over the window (1m to 1h) CPU,
   * memory, instances and, for `web`, concurrency, request rate and latency, in at most ~120 steps.
   */
  @Get('metrics')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: AppMetricsDto })
  appMetrics(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Query() query: MetricsQueryDto) {
    return this.metrics.metrics(access, app, query.window);
  }
}
