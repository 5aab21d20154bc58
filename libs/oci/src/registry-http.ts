import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError, OciErrorCodes } from './errors';

/** Credentials for a registry's HTTP basic authentication (e.g. distribution's htpasswd). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: RequestInit['body'];
  /** Statuses that mean success; any other becomes an {@link OciError}. */
  expect: readonly number[];
  /** What the request does, for error messages (e.g. `upload of blob sha256:…`). */
  what: string;
}

/**
 * HTTP to one registry: base URL, basic auth, and the mapping of failures to {@link OciError}s
 * whose messages say what was attempted, where, and what the registry answered.
 */
export class RegistryHttp {
  private readonly authorization: string | undefined;

  constructor(
    readonly baseUrl: URL,
    private readonly credentials?: RegistryCredentials,
  ) {
    this.authorization = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined;
  }

  /** A URL on the registry: a path such as `/v2/…`, or a Location header (absolute or relative). */
  url(pathOrLocation: string): URL {
    return new URL(pathOrLocation, this.baseUrl);
  }

  /** Sends a request; a status outside `expect` is thrown, with the response body consumed. */
  async send(target: string | URL, request: RegistryRequest): Promise<Response> {
    const url = typeof target === 'string' ? this.url(target) : target;
    const headers: Record<string, string> = { ...request.headers };
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: request.body, duplex: 'half' as const } : {}),
      });
    } catch (error) {
      throw this.unreachable(request.what, error);
    }
    return this.checked(response, request);
  }

  /**
   * Sends a request whose body is a stream (a layer) with node:http rather than fetch: undici's
   * fetch tees a streamed body to be able to replay it on redirect and so holds the whole upload
   * in memory (nodejs/undici#4058). `size` becomes Content-Length: registries want it on a PUT.
   */
  async sendStream(
    target: URL,
    request: Omit<RegistryRequest, 'body'> & { body: Readable; size: number },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...request.headers, 'content-length': String(request.size) };
    if (this.authorization) headers.authorization = this.authorization;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<Response>((resolve, reject) => {
      let answered = false;
      const outgoing = send(target, { method: request.method, headers });
      outgoing.on('response', (incoming: IncomingMessage) => {
        answered = true;
        // A registry may answer (401, 400) before reading the whole body; stop sending then.
        request.body.destroy();
        toFetchResponse(incoming).then(resolve, reject);
      });
      outgoing.on('error', (error) => {
        if (!answered) reject(this.unreachable(request.what, error));
      });
      pipeline(request.body, outgoing).catch((error: unknown) => {
        if (!answered) reject(error instanceof OciError ? error : this.unreachable(request.what, error));
      });
    });
    return this.checked(response, request);
  }

  private async checked(
    response: Response,
    request: Pick<RegistryRequest, 'expect' | 'what'>,
  ): Promise<Response> {
    if (request.expect.includes(response.status)) return response;
    throw await this.failure(response, request);
  }

  private unreachable(what: string, error: unknown): OciError {
    return new OciError(
      OciErrorCodes.registryError,
      `${what}: cannot reach the registry at ${this.baseUrl.origin} (${describeNetworkError(error)})`,
      { cause: error },
    );
  }

  private async failure(response: Response, request: Pick<RegistryRequest, 'what'>): Promise<OciError> {
    const detail = await registryErrors(response);
    const where = `${request.what} at ${this.baseUrl.origin}`;
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate') ?? '';
      if (/^bearer\b/i.test(challenge)) {
        return new OciError(
          OciErrorCodes.unauthorized,
          `${where}: the registry requires token (Bearer) authentication, which this client does not support; use basic auth (htpasswd)`,
        );
      }
      return new OciError(
        OciErrorCodes.unauthorized,
        this.credentials
          ? `${where}: the registry rejected the credentials of user "${this.credentials.username}"${detail}`
          : `${where}: the registry requires credentials${detail}`,
      );
    }
    if (response.status === 403) {
      return new OciError(OciErrorCodes.unauthorized, `${where}: access denied${detail}`);
    }
    if (response.status === 404) return new OciError(OciErrorCodes.notFound, `${where}: not found${detail}`);
    return new OciError(OciErrorCodes.registryError, `${where}: HTTP ${response.status}${detail}`);
  }
}

/** The `errors` of a distribution error body as ` (CODE: message; …)`, or the start of any other body. */
async function registryErrors(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  if (text === '') return '';
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      return ` (${body.errors.map((e) => `${String(e.code)}: ${String(e.message)}`).join('; ')})`;
    }
  } catch {
    // Not the registry's JSON (a proxy's error page, say): show a little of it.
  }
  return ` (${text.slice(0, 200).trim()})`;
}

/** A small response (status, headers, an error or empty body) as a fetch Response, so both paths share error handling. */
async function toFetchResponse(incoming: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, item);
  }
  const status = incoming.statusCode ?? 502;
  // Response refuses a body (even an empty one) for 204 and 304.
  const body = chunks.length && status !== 204 && status !== 304 ? Buffer.concat(chunks) : null;
  return new Response(body, { status, headers });
}

function describeNetworkError(error: unknown): string {
  // fetch wraps the socket error: "fetch failed", with the useful part (ECONNREFUSED …) in cause.
  for (const candidate of [(error as { cause?: unknown }).cause, error]) {
    const { code, message } = (candidate ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return `${code}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
