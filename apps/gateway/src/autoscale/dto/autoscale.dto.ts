import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** Kubernetes' HPAScalingPolicy: at most `value` instances (Pods) or percent per period. */
const scalingPolicySchema = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: z.int().min(1, 'must be above 0'),
  periodSeconds: z.int().min(1).max(1800),
});

/** Kubernetes' HPAScalingRules; a part left out takes Kubernetes' default for its direction. */
const scalingRulesSchema = z.strictObject({
  stabilizationWindowSeconds: z.int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(scalingPolicySchema).min(1).max(10).optional(),
});

/**
 * Kubernetes' `behavior` overrides (the rules of libs/cluster's `BehaviorOverrides`). Defaults:
 * up, no window and max(4 instances, 100%) per 15 s; down, a 300 s window and 100% per 15 s.
 */
export const behaviorSchema = z.strictObject({
  scaleUp: scalingRulesSchema.optional(),
  scaleDown: scalingRulesSchema.optional(),
});

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `500ms`, `5m` or a number of milliseconds. */
const idleTimeoutSchema = z
  .union([
    z.int(),
    z.string().regex(DURATION, 'must be a duration such as 500ms, 30s or 5m, or milliseconds'),
  ])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const [, amount, unit] = DURATION.exec(value) as RegExpExecArray;
    return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  })
  .pipe(z.int().min(100, 'must be at least 100ms').max(86_400_000, 'must be at most 24h'));

export const setAutoscalerSchema = z.strictObject({
  min: z.int().min(0).max(100).describe('Fewest instances; 0 (web only) scales to zero when idle'),
  max: z.int().min(1).max(100).describe('Most instances; the namespace quota caps it too'),
  cpu: z.int().min(1).max(1000).optional().describe('Target CPU, % of the instance CPU request'),
  concurrency: z
    .number()
    .positive()
    .max(10_000)
    .optional()
    .describe('Target requests in flight per instance'),
  rps: z.number().positive().max(1_000_000).optional().describe('Target requests per second per instance'),
  idleTimeout: idleTimeoutSchema
    .optional()
    .describe('With min 0: this long without a request scales to zero (default 30s)'),
  behavior: behaviorSchema.optional(),
});
export class SetAutoscalerDto extends createZodDto(setAutoscalerSchema) {}

export const autoscalerSchema = z.object({
  type: z.string(),
  min: z.int(),
  max: z.int(),
  cpu: z.int().nullable().describe('Target CPU, % of the instance CPU request'),
  concurrency: z.number().nullable(),
  rps: z.number().nullable(),
  idleTimeoutMs: z.int(),
  behavior: behaviorSchema,
  replicas: z.int().describe('Instances the formation asks for now'),
  ready: z.int().describe('Instances ready now'),
  state: z.enum(['scaled', 'idle']).describe('idle: scaled to zero for want of requests'),
  scaledToZeroAt: z.iso.datetime().nullable(),
  lastScaleAt: z.iso.datetime().nullable().describe('When the autoscaler last changed replicas'),
});
export class AutoscalerDto extends createZodDto(autoscalerSchema) {}
export class AutoscalerListDto extends createZodDto(z.array(autoscalerSchema)) {}

export const autoscalerRemovedSchema = z.object({
  type: z.string(),
  replicas: z.int().describe('Instances the type keeps, now fixed'),
});
export class AutoscalerRemovedDto extends createZodDto(autoscalerRemovedSchema) {}
