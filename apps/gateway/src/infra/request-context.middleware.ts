import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@nimbus/logging';
import type { MetricsService } from './metrics.service';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives each request a correlation id (the caller's X-Request-Id when it is sane), and when the
 * response finishes records its metrics and one access-log line. Bodies and headers are never
 * logged, so neither tokens nor config values can reach the log from here.
 */
export function requestContext(logger: Logger, metrics: MetricsService, accessLog: boolean) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const incoming = request.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    request.requestId = requestId;
    response.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route pattern, not the URL, so tenant and app names do not explode label sets.
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      metrics.duration.observe({ method: request.method, route }, seconds);
      if (accessLog) {
        logger.info(
          {
            requestId,
            method: request.method,
            path: request.path,
            status: response.statusCode,
            ms: Math.round(seconds * 1e4) / 10,
            token: request.principal?.token.prefix,
          },
          'request',
        );
      }
    });
    next();
  };
}
