import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const releaseSchema = z.object({
  version: z.int().describe('N of vN: grows by one per app, never reused'),
  description: z.string(),
  imageDigest: z.string().describe('sha256:… of the image manifest'),
  processTypes: z.record(z.string(), z.string()),
  configVersion: z.int(),
  actor: z.string().nullable().describe("The acting user's email"),
  current: z.boolean(),
  createdAt: z.iso.datetime(),
});
export class ReleaseDto extends createZodDto(releaseSchema) {}
export class ReleaseListDto extends createZodDto(z.array(releaseSchema)) {}

export const rollbackSchema = z.strictObject({
  version: z.int().min(1).describe('The release whose image and configuration to run again'),
});
export class RollbackDto extends createZodDto(rollbackSchema) {}

export const releaseListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export class ReleaseListQueryDto extends createZodDto(releaseListQuerySchema) {}
