import type { Autoscaler } from '@nimbus/db';
import type { behaviorSchema } from './dto/autoscale.dto';
import type { z } from 'zod';

/** What `autoscale` shows of a process type's autoscaler, with how many instances it has now. */
export function presentAutoscaler(autoscaler: Autoscaler, replicas: number, ready: number) {
  return {
    type: autoscaler.processType,
    min: autoscaler.minReplicas,
    max: autoscaler.maxReplicas,
    cpu: autoscaler.targetCpuPercent,
    concurrency: autoscaler.targetConcurrency,
    rps: autoscaler.targetRps,
    idleTimeoutMs: autoscaler.idleTimeoutMs,
    // Written only through the validated DTO, so it has the schema's shape.
    behavior: autoscaler.behavior as z.infer<typeof behaviorSchema>,
    replicas,
    ready,
    state: autoscaler.scaledToZeroAt ? ('idle' as const) : ('scaled' as const),
    scaledToZeroAt: autoscaler.scaledToZeroAt?.toISOString() ?? null,
    lastScaleAt: autoscaler.lastScaleAt?.toISOString() ?? null,
  };
}

/** `cpu 80%, concurrency 100`: the targets, for events and messages. */
export function describeTargets(
  autoscaler: Pick<Autoscaler, 'targetCpuPercent' | 'targetConcurrency' | 'targetRps'>,
): string {
  return [
    autoscaler.targetCpuPercent !== null ? `cpu ${autoscaler.targetCpuPercent}%` : null,
    autoscaler.targetConcurrency !== null ? `concurrency ${autoscaler.targetConcurrency}` : null,
    autoscaler.targetRps !== null ? `${autoscaler.targetRps} req/s` : null,
  ]
    .filter(Boolean)
    .join(', ');
}
