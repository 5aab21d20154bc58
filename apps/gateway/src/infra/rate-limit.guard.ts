import { HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { LeasedRateLimiter, RateLimited } from './leased-rate-limiter';
import { RedisService } from './redis.service';

const LOGIN_ATTEMPTS_PER_MINUTE = 20;
/** Where a password is tried: the CLI's login and the console's sign-in share one budget. */
const SIGN_IN_PATHS = new Set(['/v1/auth/login', '/v1/auth/session']);

/**
 * Per-token request budget in Redis, shared by every gateway replica (leased, so a busy token
 * costs a Redis round trip per lease, not per request); unauthenticated login attempts are
 * budgeted per client address, a point at a time. Over budget: 429 with Retry-After. While Redis
 * does not answer, each process budgets in memory instead, so an outage degrades the limit's
 * precision, not the API.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly perToken: LeasedRateLimiter;
  private readonly perLoginAddress: LeasedRateLimiter;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, redis: RedisService) {
    const minute = 60_000;
    const prefix = `${redis.prefix}ratelimit`;
    this.perToken = new LeasedRateLimiter(
      redis.client,
      `${prefix}:token`,
      config.NIMBUS_RATE_LIMIT_PER_MINUTE,
      minute,
    );
    this.perLoginAddress = new LeasedRateLimiter(
      redis.client,
      `${prefix}:login`,
      LOGIN_ATTEMPTS_PER_MINUTE,
      minute,
    );
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
      const { remaining } = await limiter.consume(key);
      response.setHeader('RateLimit-Limit', String(limiter.points));
      response.setHeader('RateLimit-Remaining', String(remaining));
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimited)) throw rejection;
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
