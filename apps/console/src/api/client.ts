import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '@nimbus/contracts';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

/** An answer of the API that was not a success, as the problem+json document it carried. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }

  get status(): number {
    return this.problem.status;
  }
}

let csrfToken: string | null = null;

/** The session's CSRF token, sent with every write; the session itself is an HttpOnly cookie. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && request.method !== 'GET' && request.method !== 'HEAD')
      request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

function problemFrom(error: unknown, status: number): Problem {
  if (typeof error === 'object' && error !== null && 'detail' in error && 'code' in error)
    return error as Problem;
  return {
    type: 'about:blank',
    title: 'Error',
    status,
    detail: status === 0 ? 'the API did not answer' : `the API answered ${status}`,
    code: 'http/unknown',
  };
}

/** The data of a successful answer; otherwise throws its problem as an ApiError. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiError(problemFrom(error, response.status));
  return data as T;
}
