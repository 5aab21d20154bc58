import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ROLES } from '@nimbus/domain';

export const loginSchema = z.strictObject({
  email: z.email(),
  password: z.string().min(1).max(1024),
});
export class LoginDto extends createZodDto(loginSchema) {}

export const sessionSchema = z.object({
  token: z.string().describe('A session token: send it as a bearer token'),
  expiresAt: z.iso.datetime(),
});
export class SessionDto extends createZodDto(sessionSchema) {}

export const consoleSessionSchema = z.object({
  csrfToken: z
    .string()
    .describe('Send it as X-CSRF-Token with every write that the session cookie authenticates'),
  expiresAt: z.iso.datetime(),
});
export class ConsoleSessionDto extends createZodDto(consoleSessionSchema) {}

export const createUserSchema = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
  name: z.string().min(1).max(100).optional(),
  platformAdmin: z.boolean().default(false),
});
export class CreateUserDto extends createZodDto(createUserSchema) {}

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  platformAdmin: z.boolean(),
  createdAt: z.iso.datetime(),
});
export class UserDto extends createZodDto(userSchema) {}

export const whoamiSchema = z.object({
  user: userSchema,
  token: z.object({
    id: z.uuid(),
    kind: z.enum(['session', 'api']),
    prefix: z.string(),
    tenant: z.string().nullable(),
    namespace: z.string().nullable(),
    role: z.enum(ROLES).nullable(),
  }),
  memberships: z.array(z.object({ tenant: z.string(), role: z.enum(ROLES) })),
});
export class WhoamiDto extends createZodDto(whoamiSchema) {}
