import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CONFIG_SCOPES, configKey, configValue } from '@nimbus/domain';

const MAX_KEYS_PER_CHANGE = 500;

export const patchConfigSchema = z
  .strictObject({
    set: z.record(configKey(), configValue()).optional().describe('Keys to set, with their values'),
    unset: z.array(configKey()).max(MAX_KEYS_PER_CHANGE).optional().describe('Keys to remove'),
  })
  .refine((body) => Object.keys(body.set ?? {}).length + (body.unset?.length ?? 0) > 0, {
    message: 'name at least one key to set or unset',
  })
  .refine((body) => Object.keys(body.set ?? {}).length <= MAX_KEYS_PER_CHANGE, {
    message: `at most ${MAX_KEYS_PER_CHANGE} keys per change`,
    path: ['set'],
  })
  .refine((body) => !(body.unset ?? []).some((key) => body.set && key in body.set), {
    message: 'a key cannot be both set and unset',
    path: ['unset'],
  });
export class PatchConfigDto extends createZodDto(patchConfigSchema) {}

export const revealQuerySchema = z.strictObject({
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('Show secret values (owners and admins only)'),
});
export class RevealQueryDto extends createZodDto(revealQuerySchema) {}

const entry = {
  key: z.string(),
  value: z.string().nullable().describe('null for a secret that was not revealed'),
  secret: z.boolean(),
  scope: z.enum(CONFIG_SCOPES),
};

export const configEntrySchema = z.object({ ...entry, updatedAt: z.iso.datetime() });

export const configSetSchema = z.object({
  scope: z.enum(CONFIG_SCOPES),
  configVersion: z.int(),
  entries: z.array(configEntrySchema),
});
export class ConfigSetDto extends createZodDto(configSetSchema) {}

export const environmentSchema = z.object({
  app: z.string(),
  configVersion: z.int(),
  entries: z.array(
    z.object({
      ...entry,
      overrides: z
        .array(z.enum(CONFIG_SCOPES))
        .describe('Scopes whose value for this key is hidden by this one'),
    }),
  ),
});
export class EnvironmentDto extends createZodDto(environmentSchema) {}
