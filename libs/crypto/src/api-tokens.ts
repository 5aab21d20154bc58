import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'nmb_';
const TOKEN_PATTERN = /^nmb_[A-Za-z0-9_-]{43}$/;

/** A new bearer token: 256 random bits, recognisable by its prefix (for secret scanners). */
export function generateApiToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What is stored: a SHA-256 of the token. A slow password hash buys nothing against a 256-bit
 * random value and would cost every API request.
 */
export function hashApiToken(token: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

/** The part of a token that may be shown again after creation. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, PREFIX.length + 6);
}

export function looksLikeApiToken(candidate: string): boolean {
  return TOKEN_PATTERN.test(candidate);
}
