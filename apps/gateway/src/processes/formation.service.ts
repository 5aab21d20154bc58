import { HttpStatus, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  AutoscalerRepository,
  FormationRepository,
  InstanceRepository,
  NamespaceRepository,
  type App,
} from '@nimbus/db';
import { quotaExcess, totalResources } from '@nimbus/domain';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { auditEntry } from '../audit/audit-entry';
import type { Principal, TenantAccess } from '../auth/principal';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';
import { currentRelease } from './current-release';
import { ProcessesService } from './processes.service';

/** Size of an instance whose process type has no formation yet (one-offs, say). */
export const DEFAULT_SIZE = { cpuMillis: 250, memoryMb: 256 };

export interface ScaleUpdate {
  type: string;
  replicas?: number | undefined;
  cpuMillis?: number | undefined;
  memoryMb?: number | undefined;
}

/** `ps:scale` and `ps:restart`: what the orchestrator should run of an app, and replacing it. */
@Injectable()
export class FormationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly processes: ProcessesService,
    private readonly cluster: ClusterEventsService,
  ) {}

  /** Sets replicas (and sizes) per process type; the orchestrator converges on it. */
  async scale(
    principal: Principal,
    access: TenantAccess,
    app: App,
    updates: ScaleUpdate[],
    requestId: string | null,
  ) {
    const release = await currentRelease(this.prisma.client, access.scope, app);
    if (!release)
      throw badRequest('formation/no_release', `${app.name} has no release yet: push to deploy it first`);
    const types = Object.keys(release.processTypes as Record<string, string>).filter(
      (type) => type !== 'release',
    );
    const unknown = updates.filter((update) => !types.includes(update.type)).map((update) => update.type);
    if (unknown.length)
      throw badRequest(
        'formation/unknown_type',
        `no process type ${unknown.join(', ')} in v${release.version}; its types: ${types.join(', ') || 'none'}`,
      );
    await this.refuseAutoscaled(access, app, updates);
    await this.checkQuota(access, app, updates);
    const formations = await new FormationRepository(this.prisma.client).list(access.scope, app.id);
    await this.prisma.client.$transaction(async (tx) => {
      for (const update of updates) {
        const size = {
          ...(update.cpuMillis !== undefined ? { cpuMillis: update.cpuMillis } : {}),
          ...(update.memoryMb !== undefined ? { memoryMb: update.memoryMb } : {}),
        };
        await new FormationRepository(tx).put(
          access.scope,
          app.id,
          update.type,
          { replicas: update.replicas ?? (update.type === 'web' ? 1 : 0), ...size },
          { ...(update.replicas !== undefined ? { replicas: update.replicas } : {}), ...size },
        );
        // A new size needs new instances: they replace the old ones one by one, like a deploy.
        const current = formations.find((formation) => formation.processType === update.type);
        const resized =
          (update.cpuMillis !== undefined && update.cpuMillis !== current?.cpuMillis) ||
          (update.memoryMb !== undefined && update.memoryMb !== current?.memoryMb);
        if (current && resized)
          await new InstanceRepository(tx).evictServices(access.scope, app.id, update.type);
      }
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'formation.update', 'app', target(access, app), {
          updates: updates.map((update) => ({ ...update })),
        }),
      );
    });
    this.cluster.wakeApp(app.id);
    return (await this.processes.ps(access, app)).formation;
  }

  /** Replaces every instance (of one type): new ones first, old ones drained, no capacity lost. */
  async restart(
    principal: Principal,
    access: TenantAccess,
    app: App,
    type: string | undefined,
    requestId: string | null,
  ) {
    const known =
      !type || (await new FormationRepository(this.prisma.client).find(access.scope, app.id, type));
    if (!known)
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'formation/unknown_type',
        `${app.name} has no process type ${type}`,
      );
    const count = await this.prisma.client.$transaction(async (tx) => {
      const evicted = await new InstanceRepository(tx).evictServices(access.scope, app.id, type);
      await new AuditRepository(tx).record(
        access.scope,
        auditEntry(principal, requestId, 'ps.restart', 'app', target(access, app), {
          type: type ?? null,
        }),
      );
      return evicted;
    });
    this.cluster.wakeApp(app.id);
    return { restarting: count };
  }

  /** An autoscaler owns its type's replicas (it would undo a change at once); sizes stay the user's. */
  private async refuseAutoscaled(access: TenantAccess, app: App, updates: ScaleUpdate[]) {
    const autoscalers = await new AutoscalerRepository(this.prisma.client).listOfApp(access.scope, app.id);
    for (const update of updates) {
      const autoscaler = autoscalers.find((candidate) => candidate.processType === update.type);
      if (autoscaler && update.replicas !== undefined)
        throw conflict(
          'formation/autoscaled',
          `${update.type} is autoscaled (${autoscaler.minReplicas}–${autoscaler.maxReplicas} instances): ` +
            `\`nimbus autoscale:off -a ${app.name} ${update.type}\` first, or change its bounds with autoscale:set`,
        );
    }
  }

  /** Refuses a formation the namespace's quota could never hold, rather than leaving instances pending. */
  private async checkQuota(access: TenantAccess, app: App, updates: ScaleUpdate[]) {
    const namespace = requireNamespace(access);
    const quota = await new NamespaceRepository(this.prisma.client).findById(access.scope, namespace.id);
    if (!quota) throw notFound('namespace', namespace.name);
    if (quota.maxInstances === null && quota.maxMemoryMb === null && quota.maxCpuMillis === null) return;
    const formations = await new FormationRepository(this.prisma.client).listInNamespace(
      access.scope,
      namespace.id,
    );
    const planned = formations.map((formation) => {
      const update =
        formation.appId === app.id ? updates.find((u) => u.type === formation.processType) : undefined;
      return {
        replicas: update?.replicas ?? formation.replicas,
        cpuMillis: update?.cpuMillis ?? formation.cpuMillis,
        memoryMb: update?.memoryMb ?? formation.memoryMb,
      };
    });
    for (const update of updates)
      if (!formations.some((f) => f.appId === app.id && f.processType === update.type))
        planned.push({
          replicas: update.replicas ?? 0,
          cpuMillis: update.cpuMillis ?? DEFAULT_SIZE.cpuMillis,
          memoryMb: update.memoryMb ?? DEFAULT_SIZE.memoryMb,
        });
    const over = quotaExcess(totalResources(planned), quota);
    if (over.length)
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'formation/over_quota',
        `namespace ${namespace.name} would need ${over.join(' and ')}`,
      );
  }
}

function target(access: TenantAccess, app: App): string {
  return `${requireNamespace(access).name}/${app.name}`;
}
