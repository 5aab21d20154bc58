import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const buildSchema = z.object({
  id: z.uuid(),
  status: z.enum(['queued', 'building', 'succeeded', 'failed']),
  commit: z.string().describe('The pushed commit'),
  ref: z.string().describe('The branch pushed, e.g. refs/heads/main'),
  stack: z.string().nullable().describe('node, python, static or procfile, once detected'),
  imageDigest: z.string().nullable().describe('sha256:… of the built image manifest'),
  imageSizeBytes: z.int().nullable(),
  releaseVersion: z.int().nullable().describe('The release the build created'),
  failureReason: z.string().nullable(),
  attempts: z.int().describe('Times a builder started it (more than one after a builder stopped mid-build)'),
  actor: z.string().nullable().describe("The pusher's email"),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  durationSeconds: z.number().nullable().describe('From start to end, once finished'),
});
export class BuildDto extends createZodDto(buildSchema) {}
export class BuildListDto extends createZodDto(z.array(buildSchema)) {}

export const buildListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export class BuildListQueryDto extends createZodDto(buildListQuerySchema) {}
