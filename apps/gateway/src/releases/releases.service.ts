import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  ReleaseRepository,
  type App,
  type Db,
  type Release,
  type TenantScope,
} from '@nimbus/db';
import { ReleaseCutter, ReleaseNotFoundError, type ConfigReach, type ReleaseImage } from '@nimbus/releases';
import { notFound } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { KeyringService } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import { auditEntry } from '../audit/audit-entry';
import { UsersService } from '../users/users.service';
import { ClusterEventsService } from '../infra/cluster-events.service';
import type { Principal, TenantAccess } from '../auth/principal';

export type { ConfigReach } from '@nimbus/releases';

/**
 * Releases as the API sees them: cutting and rolling back belong to @nimbus/releases; this service
 * gives them their transaction, records the audit, wakes the app and presents the result.
 */
@Injectable()
export class ReleasesService {
  private readonly cutter: ReleaseCutter;

  constructor(
    private readonly prisma: PrismaService,
    keyring: KeyringService,
    private readonly users: UsersService,
    private readonly cluster: ClusterEventsService,
  ) {
    this.cutter = new ReleaseCutter(keyring);
  }

  /** Cuts the next release of an app: `image` with the app's environment as it is now. */
  async deploy(
    scope: TenantScope,
    appId: string,
    image: ReleaseImage,
    description: string,
    actorUserId: string | null,
  ): Promise<Release> {
    const release = await this.prisma.client.$transaction((tx) =>
      this.cutter.cut(tx, scope, appId, image, description, actorUserId),
    );
    this.released([appId]);
    return release;
  }

  /**
   * Within a config change's transaction `tx`: a release for every deployed app it reaches (see
   * {@link ReleaseCutter.cutForConfigChange}). Returns their ids, for {@link released}.
   */
  onConfigChange(
    tx: Db,
    scope: TenantScope,
    reach: ConfigReach,
    description: string,
    actorUserId: string,
  ): Promise<string[]> {
    return this.cutter.cutForConfigChange(tx, scope, reach, description, actorUserId);
  }

  /** After the releases' transaction commits: their apps roll out. */
  released(appIds: string[]): void {
    for (const appId of appIds) this.cluster.wakeApp(appId);
  }

  /** A new release running vK's image and environment, by the rule of {@link ReleaseCutter.rollback}. */
  async rollback(
    principal: Principal,
    access: TenantAccess,
    app: App,
    version: number,
    requestId: string | null,
  ) {
    const release = await this.prisma.client
      .$transaction(async (tx) => {
        const created = await this.cutter.rollback(
          tx,
          access.scope,
          app.id,
          version,
          `Rollback to v${version}`,
          principal.user.id,
        );
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(
            principal,
            requestId,
            'release.rollback',
            'app',
            `${requireNamespace(access).name}/${app.name}`,
            { to: version, release: created.version },
          ),
        );
        return created;
      })
      .catch((error: unknown) => {
        throw error instanceof ReleaseNotFoundError ? notFound('release', `v${version}`) : error;
      });
    this.released([app.id]);
    return (await this.present([release], release.version))[0]!;
  }

  async list(access: TenantAccess, app: App, limit: number) {
    const releases = await new ReleaseRepository(this.prisma.client).list(access.scope, app.id, limit);
    return this.present(releases, app.currentReleaseVersion);
  }

  async get(access: TenantAccess, app: App, version: number) {
    const release = await new ReleaseRepository(this.prisma.client).find(access.scope, app.id, version);
    if (!release) throw notFound('release', `v${version}`);
    return (await this.present([release], app.currentReleaseVersion))[0]!;
  }

  private async present(releases: Release[], currentVersion: number | null) {
    const emails = await this.users.emailsOf(releases.map((item) => item.actorUserId));
    return releases.map((release) => ({
      version: release.version,
      description: release.description,
      imageDigest: release.imageDigest,
      processTypes: release.processTypes as Record<string, string>,
      configVersion: release.configVersion,
      actor: release.actorUserId ? (emails.get(release.actorUserId) ?? null) : null,
      current: release.version === currentVersion,
      createdAt: release.createdAt.toISOString(),
    }));
  }
}
