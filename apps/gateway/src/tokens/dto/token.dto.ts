import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ROLES, resourceName } from '@nimbus/domain';

const EXPIRY = /^(\d+)(h|d)$/;
const MAX_EXPIRY_DAYS = 365;

export const createTokenSchema = z.strictObject({
  name: z.string().min(1).max(100).describe('What the token is for, shown in lists'),
  role: z.enum(ROLES).optional().describe('Caps what the token may do; defaults to your role in the tenant'),
  tenant: resourceName().optional().describe('Limit the token to one tenant'),
  namespace: resourceName().optional().describe('Limit the token to one namespace of that tenant'),
  expiresIn: z
    .string()
    .regex(EXPIRY, 'must be a number of hours or days, such as 12h or 30d')
    .refine((value) => {
      const [, amount, unit] = EXPIRY.exec(value) as RegExpExecArray;
      const days = unit === 'd' ? Number(amount) : Number(amount) / 24;
      return days > 0 && days <= MAX_EXPIRY_DAYS;
    }, `must be more than zero and at most ${MAX_EXPIRY_DAYS}d`)
    .default('90d')
    .describe('Lifetime such as 12h or 30d (at most 365d)'),
});
export class CreateTokenDto extends createZodDto(createTokenSchema) {}

export function expiryToMs(expiresIn: string): number {
  const [, amount, unit] = EXPIRY.exec(expiresIn) as RegExpExecArray;
  return Number(amount) * (unit === 'd' ? 86_400_000 : 3_600_000);
}

export const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['session', 'api']),
  prefix: z.string().describe('The first characters of the token'),
  tenant: z.string().nullable(),
  namespace: z.string().nullable(),
  role: z.enum(ROLES).nullable(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export class TokenDto extends createZodDto(tokenSchema) {}

export const createdTokenSchema = tokenSchema.extend({
  token: z.string().describe('The secret: shown once, never again'),
});
export class CreatedTokenDto extends createZodDto(createdTokenSchema) {}

export const tokenListSchema = z.array(tokenSchema);
export class TokenListDto extends createZodDto(tokenListSchema) {}
