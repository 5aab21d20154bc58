import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Inject,
  type ExceptionFilter,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ZodValidationException, ZodSerializationException } from 'nestjs-zod';
import type { ZodError } from 'zod';
import { Prisma } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import { ProblemException, type FieldProblem } from '../common/problem';
import { LOGGER } from './logger.token';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: FieldProblem[];
  errorId?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function fieldProblems(error: ZodError, location: string): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join('.'),
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/**
 * Every error leaves the API as application/problem+json (RFC 9457). Unexpected errors get an
 * error id that is logged with the stack, so a user's report can be found without exposing internals.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    if (exception instanceof ProblemException) {
      for (const [name, value] of Object.entries(exception.headers)) response.setHeader(name, value);
    }
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, request: Request): Problem {
    const base = (status: number, code: string, detail: string, errors?: FieldProblem[]): Problem => ({
      type: `urn:nimbus:problem:${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      instance: request.originalUrl ?? request.url,
      code,
      ...(errors?.length ? { errors } : {}),
    });

    if (exception instanceof ProblemException) {
      return base(exception.getStatus(), exception.code, exception.detail, exception.errors);
    }
    if (exception instanceof ZodValidationException) {
      const errors = fieldProblems(exception.getZodError() as ZodError, 'body');
      return base(
        400,
        'request/invalid',
        `the request is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
        errors,
      );
    }
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      if (exception.code === 'P2002')
        return base(409, 'resource/conflict', 'a resource with that name already exists');
      if (exception.code === 'P2025') return base(404, 'resource/not_found', 'the resource was not found');
    }
    if (exception instanceof HttpException && !(exception instanceof ZodSerializationException)) {
      const status = exception.getStatus();
      const detail = status === 404 ? `no route for ${request.method} ${request.path}` : exception.message;
      return base(status, status === 404 ? 'route/not_found' : 'request/rejected', detail);
    }
    const errorId = randomUUID();
    this.logger.error(
      { err: exception, errorId, method: request.method, path: request.path },
      'unhandled error',
    );
    return {
      ...base(
        HttpStatus.INTERNAL_SERVER_ERROR,
        'server/error',
        `an unexpected error occurred (error id ${errorId})`,
      ),
      errorId,
    };
  }
}
