import { Injectable } from '@nestjs/common';
import {
  AutoscalerRepository,
  EventRepository,
  FormationRepository,
  InstanceRepository,
  RolloutRepository,
  type App,
} from '@nimbus/db';
import { FINISHED_PHASES } from '@nimbus/cluster';
import { notFound } from '../common/problem';
import type { TenantAccess } from '../auth/principal';
import { PrismaService } from '../infra/prisma.service';
import { currentRelease } from './current-release';
import { presentInstance } from './present-instance';

/** `ps`, an instance and the app's events: an app's processes as its users see them. */
@Injectable()
export class ProcessesService {
  constructor(private readonly prisma: PrismaService) {}

  async ps(access: TenantAccess, app: App) {
    const db = this.prisma.client;
    const [formations, instances, rollout, release, autoscalers] = await Promise.all([
      new FormationRepository(db).list(access.scope, app.id),
      new InstanceRepository(db).listCurrent(access.scope, app.id, FINISHED_PHASES),
      new RolloutRepository(db).latest(access.scope, app.id),
      currentRelease(db, access.scope, app),
      new AutoscalerRepository(db).listOfApp(access.scope, app.id),
    ]);
    const commands = (release?.processTypes ?? {}) as Record<string, string>;
    return {
      release: app.currentReleaseVersion,
      formation: formations.map((formation) => {
        const autoscaler = autoscalers.find((candidate) => candidate.processType === formation.processType);
        return {
          type: formation.processType,
          replicas: formation.replicas,
          cpuMillis: formation.cpuMillis,
          memoryMb: formation.memoryMb,
          command: commands[formation.processType] ?? null,
          autoscale: autoscaler ? { min: autoscaler.minReplicas, max: autoscaler.maxReplicas } : null,
          scaledToZeroAt: autoscaler?.scaledToZeroAt?.toISOString() ?? null,
        };
      }),
      instances: instances.map((instance) => presentInstance(instance, instance.node)),
      rollout: rollout
        ? { release: rollout.releaseVersion, status: rollout.status, reason: rollout.reason }
        : null,
    };
  }

  async instance(access: TenantAccess, app: App, id: string) {
    const instance = /^[0-9a-f-]{36}$/.test(id)
      ? await new InstanceRepository(this.prisma.client).findForApp(access.scope, app.id, id)
      : null;
    if (!instance) throw notFound('instance', id);
    return presentInstance(instance, instance.node);
  }

  async events(access: TenantAccess, app: App, limit: number) {
    const events = await new EventRepository(this.prisma.client).listForApp(access.scope, app.id, limit);
    return events.map((event) => ({
      type: event.type === 'Warning' ? ('Warning' as const) : ('Normal' as const),
      reason: event.reason,
      message: event.message,
      createdAt: event.createdAt.toISOString(),
    }));
  }
}
