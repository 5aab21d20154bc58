import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { pingDatabase } from '@nimbus/db';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from '../infra/metrics.service';
import { PrismaService } from '../infra/prisma.service';
import { RedisService } from '../infra/redis.service';

const CHECK_TIMEOUT_MS = 2000;

const withTimeout = <T>(work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);

/** Liveness, readiness (PostgreSQL and Redis answer) and Prometheus metrics. */
@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() response: Response) {
    const [postgres, redis] = await Promise.allSettled([
      withTimeout(pingDatabase(this.prisma.client)),
      withTimeout(this.redis.client.ping()),
    ]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : 'down',
      redis: redis.status === 'fulfilled' ? 'ok' : 'down',
    };
    const ready = Object.values(checks).every((state) => state === 'ok');
    response
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: ready ? 'ok' : 'unavailable', checks });
  }

  @Get('metrics')
  async metricsText(@Res() response: Response) {
    response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
