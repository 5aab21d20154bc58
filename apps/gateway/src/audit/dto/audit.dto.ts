import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z
    .string()
    .regex(/^\d+$/, 'must be an audit entry id')
    .optional()
    .describe('Entries older than this id'),
});
export class AuditQueryDto extends createZodDto(auditQuerySchema) {}

export const auditEntrySchema = z.object({
  id: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetName: z.string(),
  actor: z.string().nullable().describe("The acting user's email"),
  actorToken: z.string().nullable().describe('The prefix of the token used'),
  details: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export class AuditEntryListDto extends createZodDto(z.array(auditEntrySchema)) {}
