import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const processType = z.string().regex(/^[a-zA-Z0-9_-]{1,63}$/, 'a Procfile process type');

export const instanceSchema = z.object({
  id: z.uuid(),
  type: z.string(),
  kind: z.enum(['service', 'oneoff']),
  release: z.int().describe('vN of the release it runs'),
  state: z
    .string()
    .describe(
      'pending, starting, up (ready), running (not ready yet), crashed, draining, stopping, exited, failed, lost',
    ),
  ready: z.boolean(),
  node: z.string().nullable(),
  restarts: z.int(),
  exitCode: z.int().nullable(),
  reason: z.string().nullable().describe('OOMKilled, CrashLoopBackOff, Unschedulable, NodeLost…'),
  message: z.string().nullable(),
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  since: z.iso.datetime().describe('When it entered its current state'),
});
export const formationSchema = z.object({
  type: z.string(),
  replicas: z.int(),
  cpuMillis: z.int(),
  memoryMb: z.int(),
  command: z.string().nullable().describe("The current release's command for this type"),
  autoscale: z
    .object({ min: z.int(), max: z.int() })
    .nullable()
    .describe('Bounds of its autoscaler, which then sets replicas; null when fixed'),
  scaledToZeroAt: z.iso
    .datetime()
    .nullable()
    .describe('Set while it is at zero instances because it was idle (a request wakes it)'),
});
export const psSchema = z.object({
  release: z.int().nullable(),
  formation: z.array(formationSchema),
  instances: z.array(instanceSchema),
  rollout: z
    .object({
      release: z.int(),
      status: z.enum(['progressing', 'complete', 'failed']),
      reason: z.string().nullable(),
    })
    .nullable(),
});
export class PsDto extends createZodDto(psSchema) {}

export const scaleSchema = z.strictObject({
  updates: z
    .array(
      z.strictObject({
        type: processType,
        replicas: z.int().min(0).max(100).optional(),
        cpuMillis: z.int().min(10).max(64_000).optional(),
        memoryMb: z.int().min(16).max(262_144).optional(),
      }),
    )
    .min(1)
    .max(20),
});
export class ScaleDto extends createZodDto(scaleSchema) {}
export class FormationListDto extends createZodDto(z.array(formationSchema)) {}

export const restartSchema = z.strictObject({ type: processType.optional() });
export class RestartDto extends createZodDto(restartSchema) {}

export const runSchema = z.strictObject({
  command: z.string().min(1).max(8192).describe('Run by `sh -c` in the release, with its environment'),
});
export class RunDto extends createZodDto(runSchema) {}
export class InstanceDto extends createZodDto(instanceSchema) {}

export const logsQuerySchema = z.strictObject({
  num: z.coerce.number().int().min(1).max(10_000).default(100),
  type: processType.optional(),
  instance: z.uuid().optional(),
});
export class LogsQueryDto extends createZodDto(logsQuerySchema) {}

export const logLineSchema = z.object({
  at: z.iso.datetime(),
  type: z.string(),
  instance: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
});
export class LogLinesDto extends createZodDto(z.array(logLineSchema)) {}

export const eventSchema = z.object({
  type: z.enum(['Normal', 'Warning']),
  reason: z.string(),
  message: z.string(),
  createdAt: z.iso.datetime(),
});
export class EventListDto extends createZodDto(z.array(eventSchema)) {}

export const runCreatedSchema = z.object({
  instance: instanceSchema,
  logCursor: z
    .string()
    .describe(
      'Follow its output from here: GET logs?instance=ID with Accept: text/event-stream and Last-Event-ID',
    ),
});
export class RunCreatedDto extends createZodDto(runCreatedSchema) {}
export class RestartedDto extends createZodDto(z.object({ restarting: z.int() })) {}
export const eventsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export class EventsQueryDto extends createZodDto(eventsQuerySchema) {}
