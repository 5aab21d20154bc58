import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { APP_STATUSES, resourceName } from '@nimbus/domain';

const runtime = z
  .enum(['process', 'oci'])
  .describe('How its instances run: a process group on the node, or a runc container');

export const createAppSchema = z.strictObject({
  name: resourceName(),
  runtime: runtime
    .optional()
    .describe("How its instances run; by default the platform's (isolated `oci` wherever runc runs)"),
});
export class CreateAppDto extends createZodDto(createAppSchema) {}

export const updateAppSchema = z.strictObject({ runtime });
export class UpdateAppDto extends createZodDto(updateAppSchema) {}

export const appSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  namespace: z.string(),
  tenant: z.string(),
  configVersion: z.int().describe('Moves on with every change to the effective environment'),
  currentRelease: z.int().nullable().describe('The release that runs, vN; null before the first deploy'),
  runtime,
  status: z
    .enum(APP_STATUSES)
    .describe(
      'undeployed, deploying (a rollout under way), crashed, idle (scaled to zero for want of requests), stopped, starting or running',
    ),
  url: z.string().describe('Where the app answers, through the router'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export class AppDto extends createZodDto(appSchema) {}
export class AppListDto extends createZodDto(z.array(appSchema)) {}
