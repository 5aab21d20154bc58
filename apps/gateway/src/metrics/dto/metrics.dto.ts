import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const WINDOW = /^(\d+)(s|m|h)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
export const MIN_WINDOW_MS = 60_000;
export const MAX_WINDOW_MS = 3_600_000;

/** `15m` → 900000; null when it is not a duration. */
function windowMs(value: string): number | null {
  const match = WINDOW.exec(value);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}

export const metricsQuerySchema = z.strictObject({
  window: z
    .string()
    .default('15m')
    .describe('How far back: 1m to 1h, such as 90s, 15m or 1h')
    .refine((value) => {
      const ms = windowMs(value);
      return ms !== null && ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS;
    }, 'must be a duration from 1m to 1h, such as 15m')
    .transform((value) => ({ text: value, ms: windowMs(value) as number })),
});
export class MetricsQueryDto extends createZodDto(metricsQuerySchema) {}

const values = (description: string) => z.array(z.number().nullable()).describe(description);

export const processTypeMetricsSchema = z.object({
  type: z.string(),
  replicas: z.int().describe("The formation's replicas now"),
  ready: z.int().describe('Instances ready now'),
  series: z
    .object({
      cpuPercent: values('CPU used, in percent of the CPU request, averaged over the instances'),
      memoryMb: values('Memory used, summed over the instances'),
      instances: values('Instances that reported'),
      ready: values('Of those, ready'),
      concurrency: values('Requests in flight (web only)'),
      rps: values('Requests answered per second (web only)'),
      latencyP50Ms: values('Median response time (web only)'),
      latencyP95Ms: values('95th percentile response time (web only)'),
    })
    .describe(
      'One value per step, aligned with `at`; null when nothing reported in the step. The router serves `web` only: its series are empty for other types.',
    ),
});

export const appMetricsSchema = z.object({
  window: z.string(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  stepSeconds: z.int().describe('Each value covers this many seconds from its `at`'),
  at: z.array(z.number()).describe('The start of each step, in milliseconds since the epoch'),
  processTypes: z.array(processTypeMetricsSchema),
});
export class AppMetricsDto extends createZodDto(appMetricsSchema) {}

export const agentMetricsSchema = z.strictObject({
  at: z.number().int().positive().describe('When the agent measured, in milliseconds since the epoch'),
  samples: z
    .array(
      z.strictObject({
        instanceId: z.uuid(),
        cpu: z.number().min(0).max(1000),
        // A petabyte: any real instance is far below, and Redis' integer counters stay exact.
        memoryBytes: z
          .number()
          .min(0)
          .max(2 ** 50),
        ready: z.boolean(),
      }),
    )
    .max(2000),
});
export class AgentMetricsDto extends createZodDto(agentMetricsSchema) {}
