import { HttpStatus } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { ProblemException } from '../common/problem';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** What body-parser attaches to the errors it raises. */
interface BodyParserError {
  type?: string;
  status?: number;
}

function toProblem(error: BodyParserError): ProblemException {
  switch (error.type) {
    case 'entity.too.large':
      return new ProblemException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'request/too_large',
        'the request body is larger than this API accepts',
      );
    case 'entity.parse.failed':
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        'request/malformed_json',
        'the request body is not valid JSON',
      );
    default:
      return new ProblemException(
        error.status ?? HttpStatus.BAD_REQUEST,
        'request/unreadable',
        'the request body could not be read',
      );
  }
}

/**
 * Parses JSON bodies up to `limit` and turns every way a body can be wrong into a problem: not
 * JSON at all (415, instead of parsing to nothing and failing validation confusingly), too
 * large (413) or malformed (400).
 */
export function jsonBodies(limit: string) {
  const parse = json({ limit, type: JSON_TYPES });
  return (request: Request, response: Response, next: NextFunction): void => {
    // git's packs are streamed to git itself, and pushed source trees to disk; never parsed here.
    if (request.path.startsWith('/git/') || request.path.startsWith('/internal/git/')) {
      next();
      return;
    }
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !request.is(JSON_TYPES)) {
      next(
        new ProblemException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          'request/unsupported_media_type',
          'request bodies must be JSON (Content-Type: application/json)',
        ),
      );
      return;
    }
    parse(request, response, (error?: unknown) =>
      next(error ? toProblem(error as BodyParserError) : undefined),
    );
  };
}
