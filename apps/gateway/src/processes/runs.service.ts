import { Injectable } from '@nestjs/common';
import { AuditRepository, InstanceRepository, type App } from '@nimbus/db';
import { resolveOneOffCommand } from '@nimbus/domain';
import { badRequest } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { auditEntry } from '../audit/audit-entry';
import type { Principal, TenantAccess } from '../auth/principal';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { PrismaService } from '../infra/prisma.service';
import { currentRelease } from './current-release';
import { DEFAULT_SIZE } from './formation.service';
import { presentInstance } from './present-instance';

/** `run`: one-off instances of an app's current release. */
@Injectable()
export class RunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cluster: ClusterEventsService,
  ) {}

  /**
   * A one-off instance of the current release running `command`; never routed, removed once done.
   * A first word naming one of the release's process types runs that type's command (`run console`).
   */
  async run(principal: Principal, access: TenantAccess, app: App, command: string, requestId: string | null) {
    const release = await currentRelease(this.prisma.client, access.scope, app);
    if (!release)
      throw badRequest('run/no_release', `${app.name} has no release yet: push to deploy it first`);
    const resolved = resolveOneOffCommand(command, release.processTypes as Record<string, string>);
    const instance = await this.prisma.client.$transaction(async (tx) => {
      const created = await new InstanceRepository(tx).createOneOff(access.scope, {
        appId: app.id,
        namespaceId: app.namespaceId,
        command: resolved,
        releaseVersion: release.version,
        ...DEFAULT_SIZE,
      });
      await new AuditRepository(tx).record(
        access.scope,
        // The command may carry anything; its length is what the audit keeps.
        auditEntry(
          principal,
          requestId,
          'run.create',
          'app',
          `${requireNamespace(access).name}/${app.name}`,
          {
            instance: created.id,
            commandLength: command.length,
          },
        ),
      );
      return created;
    });
    this.cluster.wakeApp(app.id);
    return presentInstance(instance, null);
  }
}
