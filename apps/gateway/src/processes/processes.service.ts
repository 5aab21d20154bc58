import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditRepository, type App, type Instance, type Node } from '@nimbus/db';
import { FINISHED_PHASES } from '@nimbus/cluster';
import { quotaExcess, resolveOneOffCommand, totalResources } from '@nimbus/domain';
import { badRequest, notFound, ProblemException } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { AuditService } from '../audit/audit.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { ClusterEventsService } from '../cluster/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';

/** Size of an instance whose process type has no formation yet (one-offs, say). */
const DEFAULT_SIZE = { cpuMillis: 250, memoryMb: 256 };

export interface ScaleUpdate {
  type: string;
  replicas?: number | undefined;
  cpuMillis?: number | undefined;
  memoryMb?: number | undefined;
}

/** `ps`, `ps:scale`, `ps:restart` and `run`: an app's processes as its users see them. */
@Injectable()
export class ProcessesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly cluster: ClusterEventsService,
  ) {}

  async ps(app: App) {
    const [formations, instances, rollout, release] = await Promise.all([
      this.prisma.client.formation.findMany({ where: { appId: app.id }, orderBy: { processType: 'asc' } }),
      this.prisma.client.instance.findMany({
        where: {
          appId: app.id,
          // What runs or should: finished one-offs and stopped instances are history.
          OR: [{ kind: 'service', desiredState: 'running' }, { phase: { notIn: FINISHED_PHASES } }],
        },
        include: { node: true },
        orderBy: [{ processType: 'asc' }, { createdAt: 'asc' }],
      }),
      this.prisma.client.rollout.findFirst({ where: { appId: app.id }, orderBy: { createdAt: 'desc' } }),
      this.currentRelease(app),
    ]);
    const commands = (release?.processTypes ?? {}) as Record<string, string>;
    return {
      release: app.currentReleaseVersion,
      formation: formations.map((formation) => ({
        type: formation.processType,
        replicas: formation.replicas,
        cpuMillis: formation.cpuMillis,
        memoryMb: formation.memoryMb,
        command: commands[formation.processType] ?? null,
      })),
      instances: instances.map((instance) => presentInstance(instance, instance.node)),
      rollout: rollout
        ? { release: rollout.releaseVersion, status: rollout.status, reason: rollout.reason }
        : null,
    };
  }

  /** Sets replicas (and sizes) per process type; the orchestrator converges on it. */
  async scale(
    principal: Principal,
    access: TenantAccess,
    app: App,
    updates: ScaleUpdate[],
    requestId: string | null,
  ) {
    const release = await this.currentRelease(app);
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
    await this.checkQuota(access, app, updates);
    const formations = await this.prisma.client.formation.findMany({ where: { appId: app.id } });
    await this.prisma.client.$transaction(async (tx) => {
      for (const update of updates) {
        const size = {
          ...(update.cpuMillis !== undefined ? { cpuMillis: update.cpuMillis } : {}),
          ...(update.memoryMb !== undefined ? { memoryMb: update.memoryMb } : {}),
        };
        await tx.formation.upsert({
          where: { appId_processType: { appId: app.id, processType: update.type } },
          create: {
            tenantId: app.tenantId,
            appId: app.id,
            processType: update.type,
            replicas: update.replicas ?? (update.type === 'web' ? 1 : 0),
            ...size,
          },
          update: { ...(update.replicas !== undefined ? { replicas: update.replicas } : {}), ...size },
        });
        // A new size needs new instances: they replace the old ones one by one, like a deploy.
        const current = formations.find((formation) => formation.processType === update.type);
        const resized =
          (update.cpuMillis !== undefined && update.cpuMillis !== current?.cpuMillis) ||
          (update.memoryMb !== undefined && update.memoryMb !== current?.memoryMb);
        if (current && resized)
          await tx.instance.updateMany({
            where: { appId: app.id, processType: update.type, kind: 'service', desiredState: 'running' },
            data: { evicted: true },
          });
      }
      await new AuditRepository(tx).record(
        access.scope,
        this.audit.entry(principal, requestId, 'formation.update', 'app', this.target(access, app), {
          updates: updates.map((update) => ({ ...update })),
        }),
      );
    });
    this.cluster.wakeApp(app.id);
    return (await this.ps(app)).formation;
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
      !type ||
      (await this.prisma.client.formation.findUnique({
        where: { appId_processType: { appId: app.id, processType: type } },
      }));
    if (!known)
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'formation/unknown_type',
        `${app.name} has no process type ${type}`,
      );
    const { count } = await this.prisma.client.$transaction(async (tx) => {
      const result = await tx.instance.updateMany({
        where: {
          appId: app.id,
          kind: 'service',
          desiredState: 'running',
          ...(type ? { processType: type } : {}),
        },
        data: { evicted: true },
      });
      await new AuditRepository(tx).record(
        access.scope,
        this.audit.entry(principal, requestId, 'ps.restart', 'app', this.target(access, app), {
          type: type ?? null,
        }),
      );
      return result;
    });
    this.cluster.wakeApp(app.id);
    return { restarting: count };
  }

  /**
   * A one-off instance of the current release running `command`; never routed, removed once done.
   * A first word naming one of the release's process types runs that type's command (`run console`).
   */
  async run(principal: Principal, access: TenantAccess, app: App, command: string, requestId: string | null) {
    const release = await this.currentRelease(app);
    if (!release)
      throw badRequest('run/no_release', `${app.name} has no release yet: push to deploy it first`);
    const resolved = resolveOneOffCommand(command, release.processTypes as Record<string, string>);
    const instance = await this.prisma.client.$transaction(async (tx) => {
      const created = await tx.instance.create({
        data: {
          tenantId: app.tenantId,
          appId: app.id,
          namespaceId: app.namespaceId,
          processType: 'run',
          kind: 'oneoff',
          command: resolved,
          releaseVersion: release.version,
          ...DEFAULT_SIZE,
        },
      });
      await new AuditRepository(tx).record(
        access.scope,
        // The command may carry anything; its length is what the audit keeps.
        this.audit.entry(principal, requestId, 'run.create', 'app', this.target(access, app), {
          instance: created.id,
          commandLength: command.length,
        }),
      );
      return created;
    });
    this.cluster.wakeApp(app.id);
    return presentInstance(instance, null);
  }

  async instance(app: App, id: string) {
    const instance = /^[0-9a-f-]{36}$/.test(id)
      ? await this.prisma.client.instance.findFirst({ where: { id, appId: app.id }, include: { node: true } })
      : null;
    if (!instance) throw notFound('instance', id);
    return presentInstance(instance, instance.node);
  }

  async events(app: App, limit: number) {
    const events = await this.prisma.client.event.findMany({
      where: { appId: app.id },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return events.map((event) => ({
      type: event.type === 'Warning' ? ('Warning' as const) : ('Normal' as const),
      reason: event.reason,
      message: event.message,
      createdAt: event.createdAt.toISOString(),
    }));
  }

  private currentRelease(app: App) {
    return app.currentReleaseVersion === null
      ? Promise.resolve(null)
      : this.prisma.client.release.findFirst({
          where: { appId: app.id, version: app.currentReleaseVersion },
        });
  }

  /** Refuses a formation the namespace's quota could never hold, rather than leaving instances pending. */
  private async checkQuota(access: TenantAccess, app: App, updates: ScaleUpdate[]) {
    const namespace = requireNamespace(access);
    const quota = await this.prisma.client.namespace.findUniqueOrThrow({ where: { id: namespace.id } });
    if (quota.maxInstances === null && quota.maxMemoryMb === null && quota.maxCpuMillis === null) return;
    const formations = await this.prisma.client.formation.findMany({
      where: { app: { namespaceId: namespace.id } },
    });
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

  private target(access: TenantAccess, app: App): string {
    return `${requireNamespace(access).name}/${app.name}`;
  }
}

/** What `ps` shows of an instance: its state in one word, as Heroku shows a dyno's. */
export function presentInstance(instance: Instance, node: Node | null) {
  return {
    id: instance.id,
    type: instance.processType,
    kind: instance.kind,
    release: instance.releaseVersion,
    state: stateOf(instance),
    ready: instance.ready,
    node: node?.name ?? null,
    restarts: instance.restarts,
    exitCode: instance.exitCode,
    reason: instance.reason,
    message: instance.message,
    cpuPercent: instance.cpuPercent,
    memoryBytes: instance.memoryBytes === null ? null : Number(instance.memoryBytes),
    since: (
      instance.finishedAt ??
      instance.readyAt ??
      instance.startedAt ??
      instance.createdAt
    ).toISOString(),
  };
}

type InstanceState =
  | 'pending'
  | 'starting'
  | 'up'
  | 'running'
  | 'crashed'
  | 'draining'
  | 'stopping'
  | 'exited'
  | 'failed'
  | 'lost';

function stateOf(instance: Instance): InstanceState {
  if (instance.phase === 'lost') return 'lost';
  if (instance.desiredState === 'stopped')
    return instance.phase === 'exited' || instance.phase === 'failed' ? 'exited' : 'stopping';
  if (instance.drainingSince) return 'draining';
  if (instance.phase === 'crashloop') return 'crashed';
  if (instance.phase === 'running') return instance.ready || instance.kind === 'oneoff' ? 'up' : 'running';
  return instance.phase;
}
