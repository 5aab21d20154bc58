import type { Prisma } from '@nimbus/db';
import {
  describeFormation,
  quotaExcess,
  totalResources,
  type FormationRequest,
  type QuotaLimits,
  type ResourceTotals,
} from '@nimbus/domain';

/** A formation's size when nothing says otherwise (the schema's defaults). */
const DEFAULT_SIZE = { cpuMillis: 250, memoryMb: 256 };

export interface NewFormation {
  processType: string;
  replicas: number;
  memoryMb?: number;
}

export interface NamespaceLimits extends QuotaLimits {
  name: string;
}

/** What the namespace's other formations already ask for. */
export type FormationUsage = ResourceTotals;

export interface FormationPlan {
  formations: NewFormation[];
  /** app.json's formation as applied, or why it was not; null when app.json gave none. */
  note: { type: 'Normal' | 'Warning'; reason: string; message: string } | null;
}

/**
 * Formations for process types that have none. Heroku's default is one `web` and none of the
 * others; on the app's first deploy app.json's formation replaces that default, unless the
 * namespace's quota could not hold it (then the default stands, with a warning saying why, and
 * `ps:scale` within the quota is the way on). Later deploys never look at app.json's formation:
 * what users scaled stays.
 */
export function planFormations(input: {
  processTypes: string[];
  firstDeploy: boolean;
  requested: Record<string, FormationRequest> | null;
  namespace: NamespaceLimits;
  used: FormationUsage;
}): FormationPlan {
  const defaults = input.processTypes.map((processType) => ({
    processType,
    replicas: processType === 'web' ? 1 : 0,
  }));
  const requested = Object.fromEntries(
    Object.entries(input.requested ?? {}).filter(([type]) => input.processTypes.includes(type)),
  );
  if (!input.firstDeploy || !Object.keys(requested).length) return { formations: defaults, note: null };
  const formations = defaults.map((formation) => {
    const request = requested[formation.processType];
    return {
      ...formation,
      ...(request?.replicas !== undefined ? { replicas: request.replicas } : {}),
      ...(request?.memoryMb !== undefined ? { memoryMb: request.memoryMb } : {}),
    };
  });
  const described = describeFormation(requested);
  const over = overQuota(input.namespace, input.used, formations);
  if (over)
    return {
      formations: defaults,
      note: {
        type: 'Warning',
        reason: 'FormationOverQuota',
        message: `app.json formation ${described} would need ${over} in namespace ${input.namespace.name}; started with one web instead (scale within the quota with ps:scale)`,
      },
    };
  return {
    formations,
    note: { type: 'Normal', reason: 'FormationApplied', message: `app.json formation applied: ${described}` },
  };
}

/** What would exceed the quota, in words, or null when it fits. */
function overQuota(limits: NamespaceLimits, used: FormationUsage, formations: NewFormation[]): string | null {
  const sized = formations.map((formation) => ({
    replicas: formation.replicas,
    memoryMb: formation.memoryMb ?? DEFAULT_SIZE.memoryMb,
    cpuMillis: DEFAULT_SIZE.cpuMillis,
  }));
  const over = quotaExcess(totalResources(sized, used), limits);
  return over.length ? over.join(' and ') : null;
}

/** Whether the release's `formation` is app.json's as the builder writes it (see FormationRequest). */
export function isFormationRequests(
  value: Prisma.JsonValue | null,
): value is Record<string, FormationRequest> & Prisma.JsonObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every(
      (entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry),
    )
  );
}
