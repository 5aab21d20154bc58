import { HttpStatus, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  AutoscalerRepository,
  EventRepository,
  FormationRepository,
  InstanceRepository,
  NamespaceRepository,
  type App,
  type AutoscalerSpec,
  type Db,
  type Formation,
} from '@nimbus/db';
import { FINISHED_PHASES } from '@nimbus/cluster';
import { auditEntry } from '../audit/audit-entry';
import type { Principal, TenantAccess } from '../auth/principal';
import { requireNamespace } from '../common/access-targets';
import { badRequest, conflict, ProblemException } from '../common/problem';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';
import type { SetAutoscalerDto } from './dto/autoscale.dto';
import { describeTargets, presentAutoscaler } from './present-autoscaler';

/** Kubernetes' HPA default when no metric is named. */
const DEFAULT_CPU_PERCENT = 80;
/**
 * Knative's default concurrency target, used instead for a web type that may scale to zero:
 * CPU cannot say when to wake from zero instances, requests in flight can.
 */
const DEFAULT_CONCURRENCY = 100;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Only the router wakes a type from zero, and it routes to web alone. */
const WAKEABLE_TYPE = 'web';

/** `autoscale:set`, `autoscale` and `autoscale:off`: the HPA of an app's process types. */
@Injectable()
export class AutoscaleService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cluster: ClusterEventsService,
  ) {}

  async list(access: TenantAccess, app: App) {
    const db = this.prisma.client;
    const [autoscalers, formations, ready] = await Promise.all([
      new AutoscalerRepository(db).listOfApp(access.scope, app.id),
      new FormationRepository(db).list(access.scope, app.id),
      this.readyPerType(access, app),
    ]);
    return autoscalers.map((autoscaler) =>
      presentAutoscaler(
        autoscaler,
        formations.find((formation) => formation.processType === autoscaler.processType)?.replicas ?? 0,
        ready.get(autoscaler.processType) ?? 0,
      ),
    );
  }

  /** Creates or replaces the type's autoscaler and brings its replicas within the new bounds. */
  async set(
    principal: Principal,
    access: TenantAccess,
    app: App,
    type: string,
    body: SetAutoscalerDto,
    requestId: string | null,
  ) {
    await this.requireFormation(access, app, type);
    await this.checkBounds(access, type, body);
    const spec = specOf(type, body);
    const saved = await this.prisma.client.$transaction(async (tx) => {
      const autoscalers = new AutoscalerRepository(tx);
      const previous = await autoscalers.find(access.scope, app.id, type);
      const autoscaler = await autoscalers.upsert(access.scope, app.id, type, spec);
      const formations = new FormationRepository(tx);
      // Read again here: the orchestrator may have scaled the type since (its writes compare too).
      const formation = await formations.find(access.scope, app.id, type);
      if (!formation) throw conflict('autoscale/conflict', `${type} left ${app.name}'s formation meanwhile`);
      // A type idle at zero stays there while zero is allowed; otherwise it is woken into bounds.
      const stayIdle = previous?.scaledToZeroAt != null && spec.minReplicas === 0 && formation.replicas === 0;
      const replicas = stayIdle
        ? 0
        : Math.min(Math.max(formation.replicas, spec.minReplicas, 1), spec.maxReplicas);
      if (!stayIdle && autoscaler.scaledToZeroAt)
        await autoscalers.clearScaledToZero(access.scope, autoscaler.id);
      const scaled =
        replicas === formation.replicas ||
        (await formations.setReplicasIf(access.scope, app.id, type, formation.replicas, replicas));
      if (!scaled) throw conflict('autoscale/conflict', `${type} was scaled meanwhile; try again`);
      await new EventRepository(tx).recordForApp(access.scope, app.id, {
        type: 'Normal',
        reason: 'AutoscalerSet',
        message: `${type} autoscaled ${spec.minReplicas}–${spec.maxReplicas} on ${describeTargets(spec)}${
          replicas !== formation.replicas ? `; replicas ${formation.replicas} → ${replicas}` : ''
        }`,
      });
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'autoscale.set', 'app', target(access, app), {
          type,
          ...spec,
        }),
      );
      return { autoscaler: stayIdle ? autoscaler : { ...autoscaler, scaledToZeroAt: null }, replicas };
    });
    this.cluster.wakeApp(app.id);
    const ready = (await this.readyPerType(access, app)).get(type) ?? 0;
    return presentAutoscaler(saved.autoscaler, saved.replicas, ready);
  }

  /**
   * Removes the type's autoscaler. Its replicas stay as the autoscaler left them (Kubernetes does
   * the same), except that a type at zero gets one instance back: nothing would wake it now.
   */
  async remove(principal: Principal, access: TenantAccess, app: App, type: string, requestId: string | null) {
    const result = await this.prisma.client.$transaction(async (tx) => {
      const removed = await new AutoscalerRepository(tx).delete(access.scope, app.id, type);
      if (!removed)
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          'autoscale/not_found',
          `${type} of ${app.name} is not autoscaled`,
        );
      const formation = await new FormationRepository(tx).find(access.scope, app.id, type);
      let replicas = formation?.replicas ?? 0;
      // At zero only the autoscaler put it there (ps:scale is refused), idle or about to wake.
      if (replicas === 0) {
        replicas = 1;
        await putReplicas(tx, access, app, type, replicas);
      }
      await new EventRepository(tx).recordForApp(access.scope, app.id, {
        type: 'Normal',
        reason: 'AutoscalerRemoved',
        message: `${type} no longer autoscaled; it keeps ${replicas} instance${replicas === 1 ? '' : 's'}`,
      });
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'autoscale.remove', 'app', target(access, app), { type }),
      );
      return { type, replicas };
    });
    this.cluster.wakeApp(app.id);
    return result;
  }

  private async requireFormation(access: TenantAccess, app: App, type: string): Promise<Formation> {
    const formations = await new FormationRepository(this.prisma.client).list(access.scope, app.id);
    const formation = formations.find((candidate) => candidate.processType === type);
    if (formation) return formation;
    const types = formations.map((candidate) => candidate.processType).join(', ');
    throw new ProblemException(
      HttpStatus.NOT_FOUND,
      'autoscale/unknown_type',
      formations.length
        ? `${app.name} has no process type ${type}; its types: ${types}`
        : `${app.name} has no process types yet: push to deploy it first`,
    );
  }

  /**
   * The rules a schema cannot state alone: order of the bounds, what only web can do (scale to
   * zero, be measured by the routers), and the namespace quota.
   */
  private async checkBounds(access: TenantAccess, type: string, body: SetAutoscalerDto): Promise<void> {
    const refuse = (code: string, field: string, detail: string) =>
      badRequest(`autoscale/${code}`, detail, [{ field: `body.${field}`, message: detail }]);
    if (body.min > body.max)
      throw refuse('invalid_bounds', 'min', `min ${body.min} is above max ${body.max}`);
    if (body.min === 0 && type !== WAKEABLE_TYPE)
      throw refuse(
        'zero_not_wakeable',
        'min',
        `only web scales to zero (requests wake it); use min 1 for ${type}`,
      );
    const routed = body.concurrency !== undefined ? 'concurrency' : body.rps !== undefined ? 'rps' : null;
    if (routed && type !== WAKEABLE_TYPE)
      throw refuse(
        'metric_not_routed',
        routed,
        `${routed} is measured on requests through the routers, which only web gets; scale ${type} on cpu`,
      );
    if (body.idleTimeout !== undefined && body.min > 0)
      throw refuse(
        'idle_without_zero',
        'idleTimeout',
        `an idle timeout scales to zero: it needs min 0, not ${body.min}`,
      );
    const namespace = requireNamespace(access);
    const quota = await new NamespaceRepository(this.prisma.client).findById(access.scope, namespace.id);
    if (quota?.maxInstances != null && body.max > quota.maxInstances)
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'autoscale/over_quota',
        `max ${body.max} is above namespace ${namespace.name}'s quota of ${quota.maxInstances} instances`,
        [{ field: 'body.max', message: `at most ${quota.maxInstances}` }],
      );
  }

  /** Ready services per process type (draining ones are on their way out). */
  private async readyPerType(access: TenantAccess, app: App): Promise<Map<string, number>> {
    const instances = await new InstanceRepository(this.prisma.client).listCurrent(
      access.scope,
      app.id,
      FINISHED_PHASES,
    );
    const ready = new Map<string, number>();
    for (const instance of instances)
      if (instance.kind === 'service' && instance.ready && !instance.drainingSince)
        ready.set(instance.processType, (ready.get(instance.processType) ?? 0) + 1);
    return ready;
  }
}

/** The stored spec: with no target named, Kubernetes' CPU default, or Knative's for scale to zero. */
function specOf(type: string, body: SetAutoscalerDto): AutoscalerSpec {
  const named = body.cpu !== undefined || body.concurrency !== undefined || body.rps !== undefined;
  const concurrencyByDefault = !named && body.min === 0 && type === WAKEABLE_TYPE;
  return {
    minReplicas: body.min,
    maxReplicas: body.max,
    targetCpuPercent: body.cpu ?? (named || concurrencyByDefault ? null : DEFAULT_CPU_PERCENT),
    targetConcurrency: body.concurrency ?? (concurrencyByDefault ? DEFAULT_CONCURRENCY : null),
    targetRps: body.rps ?? null,
    behavior: body.behavior ?? {},
    idleTimeoutMs: body.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
}

async function putReplicas(db: Db, access: TenantAccess, app: App, type: string, replicas: number) {
  await new FormationRepository(db).put(access.scope, app.id, type, { replicas }, { replicas });
}

function target(access: TenantAccess, app: App): string {
  return `${requireNamespace(access).name}/${app.name}`;
}
