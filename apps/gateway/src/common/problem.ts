import { HttpException, HttpStatus } from '@nestjs/common';

/** One failing field of a request, named by its path (`body.name`, `query.reveal`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * A client-visible error with a stable code (`app/not_found`), rendered as RFC 9457
 * problem+json by the ProblemFilter. Codes are declared where they are thrown.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }
}

export const notFound = (what: string, name: string) =>
  new ProblemException(HttpStatus.NOT_FOUND, `${what}/not_found`, `${what} "${name}" not found`);

export const forbidden = (detail: string) =>
  new ProblemException(HttpStatus.FORBIDDEN, 'auth/forbidden', detail);

export const conflict = (code: string, detail: string) =>
  new ProblemException(HttpStatus.CONFLICT, code, detail);

export const badRequest = (code: string, detail: string, errors?: FieldProblem[]) =>
  new ProblemException(HttpStatus.BAD_REQUEST, code, detail, errors);
