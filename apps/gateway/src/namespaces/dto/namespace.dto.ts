import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { resourceName } from '@nimbus/domain';

const quota = {
  maxInstances: z
    .int()
    .min(0)
    .max(100_000)
    .nullable()
    .optional()
    .describe('Instances at most; null for no limit'),
  maxMemoryMb: z
    .int()
    .min(0)
    .max(16_777_216)
    .nullable()
    .optional()
    .describe('Memory at most, in MiB; null for no limit'),
  maxCpuMillis: z
    .int()
    .min(0)
    .max(10_000_000)
    .nullable()
    .optional()
    .describe('CPU at most, in millicores; null for no limit'),
};

export const createNamespaceSchema = z.strictObject({ name: resourceName(), ...quota });
export class CreateNamespaceDto extends createZodDto(createNamespaceSchema) {}

export const updateNamespaceSchema = z.strictObject(quota);
export class UpdateNamespaceDto extends createZodDto(updateNamespaceSchema) {}

export const namespaceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  tenant: z.string(),
  quota: z.object({
    maxInstances: z.int().nullable(),
    maxMemoryMb: z.int().nullable(),
    maxCpuMillis: z.int().nullable(),
  }),
  configVersion: z.int(),
  createdAt: z.iso.datetime(),
});
export class NamespaceDto extends createZodDto(namespaceSchema) {}
export class NamespaceListDto extends createZodDto(z.array(namespaceSchema)) {}
