import type { NextFunction, Request, Response } from 'express';
import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../common/problem';

/** A body that is not JSON would parse to nothing and fail validation confusingly; say why instead. */
export function requireJsonBodies(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is(['application/json', 'application/*+json'])) {
    next(
      new ProblemException(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'request/unsupported_media_type',
        'request bodies must be JSON (Content-Type: application/json)',
      ),
    );
    return;
  }
  next();
}
