import { createHash, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request } from 'express';
import { parse } from 'cookie';

/**
 * The console's credential: a session token in a cookie that page scripts cannot read
 * (HttpOnly), that no other site's page can make the browser send (SameSite=Strict), sent only
 * to the API (Path=/v1) and only over HTTPS when the console is served over HTTPS.
 */
export const SESSION_COOKIE = 'nimbus_session';

/** The header a cookie-authenticated write must carry (the synchronizer token pattern). */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookieOptions(request: Request, maxAgeMs: number): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/v1', maxAge: maxAgeMs };
}

/** The session token the request's cookie carries, if any. */
export function sessionTokenFromCookie(request: Request): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  return parse(header)[SESSION_COOKIE] ?? null;
}

/**
 * The CSRF token of a session: derived from the session token one way, so it proves that the
 * page that sends it was given it by the API (a cross-site page can neither read the response
 * nor compute it) while revealing nothing that authenticates on its own. Nothing to store, and
 * it ends with the session.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('nimbus-csrf\0').update(sessionToken).digest('base64url');
}

export function isWrite(request: Request): boolean {
  return !SAFE_METHODS.has(request.method.toUpperCase());
}

export function carriesCsrfToken(request: Request, sessionToken: string): boolean {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(sent);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
