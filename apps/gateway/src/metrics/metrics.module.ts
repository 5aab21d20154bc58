import { Module } from '@nestjs/common';
import { AppMetricsService } from './app-metrics.service';
import { MetricsController } from './metrics.controller';

/** An app's recent metrics, as its users read them (tenant-scoped). */
@Module({
  controllers: [MetricsController],
  providers: [AppMetricsService],
})
export class MetricsModule {}
