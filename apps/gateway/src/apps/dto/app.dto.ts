import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { resourceName } from '@nimbus/domain';

export const createAppSchema = z.strictObject({ name: resourceName() });
export class CreateAppDto extends createZodDto(createAppSchema) {}

export const appSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  namespace: z.string(),
  tenant: z.string(),
  configVersion: z.int().describe('Moves on with every change to the effective environment'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export class AppDto extends createZodDto(appSchema) {}
export class AppListDto extends createZodDto(z.array(appSchema)) {}
