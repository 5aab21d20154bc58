import { randomBytes } from 'node:crypto';
import { generateApiToken, hashApiToken, hashPassword, tokenDisplayPrefix } from '@nimbus/crypto';
import type { Db, Role } from '@nimbus/db';

export interface CreatedUser {
  id: string;
  email: string;
  password: string;
}

/** A user with a known password; the email is unique unless given. */
export async function createUser(
  db: Db,
  {
    email,
    password = 'correct horse battery staple',
    platformAdmin = false,
  }: { email?: string; password?: string; platformAdmin?: boolean } = {},
): Promise<CreatedUser> {
  const address = email ?? `user-${randomBytes(4).toString('hex')}@example.test`;
  const user = await db.user.create({
    data: { email: address, passwordHash: await hashPassword(password), isPlatformAdmin: platformAdmin },
  });
  return { id: user.id, email: user.email, password };
}

/** An API token for a user, stored as the gateway stores them. */
export async function createApiToken(
  db: Db,
  userId: string,
  {
    tenantId = null,
    namespaceId = null,
    role = null,
    expiresAt = new Date(Date.now() + 86_400_000),
  }: {
    tenantId?: string | null;
    namespaceId?: string | null;
    role?: Role | null;
    expiresAt?: Date | null;
  } = {},
): Promise<{ id: string; token: string }> {
  const token = generateApiToken();
  const row = await db.apiToken.create({
    data: {
      userId,
      name: 'test',
      kind: 'api',
      tokenHash: hashApiToken(token),
      prefix: tokenDisplayPrefix(token),
      tenantId,
      namespaceId,
      role,
      expiresAt,
    },
  });
  return { id: row.id, token };
}
