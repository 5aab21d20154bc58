import { HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RedisService } from './redis.service';

const LOGIN_ATTEMPTS_PER_MINUTE = 20;
/** Where a password is tried: the CLI's login and the console's sign-in share one budget. */
const SIGN_IN_PATHS = new Set(['/v1/auth/login', '/v1/auth/session']);

/**
 * Per-token request budget in Redis, shared by every gateway replica; unauthenticated login
 * attempts are budgeted per client address. Over budget: 429 with Retry-After. While Redis does
 * not answer, each process budgets in memory instead, so an outage degrades the limit's precision,
 * not the API.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly perToken: RateLimiterRedis;
  private readonly perLoginAddress: RateLimiterRedis;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, redis: RedisService) {
    this.perToken = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${redis.prefix}ratelimit:token`,
      points: config.NIMBUS_RATE_LIMIT_PER_MINUTE,
      duration: 60,
      insuranceLimiter: new RateLimiterMemory({ points: config.NIMBUS_RATE_LIMIT_PER_MINUTE, duration: 60 }),
    });
    this.perLoginAddress = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${redis.prefix}ratelimit:login`,
      points: LOGIN_ATTEMPTS_PER_MINUTE,
      duration: 60,
      insuranceLimiter: new RateLimiterMemory({ points: LOGIN_ATTEMPTS_PER_MINUTE, duration: 60 }),
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const [limiter, key] = request.principal
      ? [this.perToken, request.principal.token.id]
      : request.method === 'POST' && SIGN_IN_PATHS.has(request.path)
        ? [this.perLoginAddress, request.ip ?? 'unknown']
        : [null, null];
    if (!limiter || !key) return true;
    try {
      const result = await limiter.consume(key);
      response.setHeader('RateLimit-Limit', String(limiter.points));
      response.setHeader('RateLimit-Remaining', String(result.remainingPoints));
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limit/exceeded',
        `rate limit exceeded; retry in ${retryAfter}s`,
        undefined,
        {
          'Retry-After': retryAfter,
          'RateLimit-Limit': String(limiter.points),
          'RateLimit-Remaining': '0',
        },
      );
    }
  }
}
