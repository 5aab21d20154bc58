import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date (midnight UTC) or a time with its offset; parsed by {@link parseInstant}. */
const instant = z
  .string()
  .refine(
    (value) => (DATE.test(value) || DATE_TIME.test(value)) && !Number.isNaN(Date.parse(value)),
    'must be an ISO date (2026-03-01) or time with offset (2026-03-01T10:00:00Z)',
  );

export const parseInstant = (value: string): Date =>
  new Date(DATE.test(value) ? `${value}T00:00:00Z` : value);

export const usageQuerySchema = z.strictObject({
  from: instant
    .optional()
    .describe('Start, rounded down to its hour (UTC); default: the start of the current month (UTC)'),
  to: instant.optional().describe('End, exclusive; default: now. At most 366 days after `from`'),
  granularity: z
    .enum(['total', 'hour'])
    .default('total')
    .describe("`hour` adds each app's figures per hour (at most 31 days)"),
});
export class UsageQueryDto extends createZodDto(usageQuerySchema) {}

const figures = {
  instanceSeconds: z
    .record(z.string(), z.number())
    .describe('Seconds instances ran, per size: `512MB/250m` (memory / CPU millicores)'),
  instanceHours: z.number().describe('Every size together, in hours'),
  requests: z.int().describe('Requests the routers answered'),
};

export const usageFiguresSchema = z.object(figures);
export const hourUsageSchema = z.object({ hour: z.iso.datetime(), ...figures });
export const appUsageSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  ...figures,
  hours: z.array(hourUsageSchema).optional().describe('With `granularity=hour`: hours with usage, in order'),
});
export const namespaceUsageSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  ...figures,
  apps: z.array(appUsageSchema),
});
export const usageSchema = z.object({
  tenant: z.string(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  granularity: z.enum(['total', 'hour']),
  totals: usageFiguresSchema,
  namespaces: z
    .array(namespaceUsageSchema)
    .describe('Apps deleted since keep their usage, under their last names'),
});
export class UsageDto extends createZodDto(usageSchema) {}

export type UsageFigures = z.infer<typeof usageFiguresSchema>;
export type HourUsage = z.infer<typeof hourUsageSchema>;
export type AppUsage = z.infer<typeof appUsageSchema>;
export type NamespaceUsage = z.infer<typeof namespaceUsageSchema>;
export type Usage = z.infer<typeof usageSchema>;
