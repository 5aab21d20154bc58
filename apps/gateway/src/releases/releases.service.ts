import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  ConfigEntryRepository,
  ReleaseRepository,
  imageFieldsOf,
  type App,
  type Db,
  type Release,
  type TenantScope,
} from '@nimbus/db';
import { notFound } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { KeyringService, type TenantKey } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../users/users.service';
import { ClusterEventsService } from '../cluster/cluster-events.service';
import type { Principal, TenantAccess } from '../auth/principal';
import { ReleaseCutter, releaseImageOf, type ReleaseImage, type SnapshotEntry } from '@nimbus/releases';

/** Which deployed apps a config change reaches. */
export type ConfigReach =
  { scope: 'tenant' } | { scope: 'namespace'; namespaceId: string } | { scope: 'app'; appId: string };

@Injectable()
export class ReleasesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly cluster: ClusterEventsService,
  ) {
    this.cutter = new ReleaseCutter(keyring);
  }

  private readonly cutter: ReleaseCutter;

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
   * Within a config change's transaction `tx`: every app it reaches that has been deployed gets a
   * new release with its current image and its new environment, or, should anything fail, neither
   * the change nor the releases happen.
   */
  async onConfigChange(
    tx: Db,
    scope: TenantScope,
    reach: ConfigReach,
    description: string,
    actorUserId: string,
  ): Promise<string[]> {
    const apps = await tx.app.findMany({
      where: {
        tenantId: scope.tenantId,
        currentReleaseVersion: { not: null },
        ...(reach.scope === 'namespace' ? { namespaceId: reach.namespaceId } : {}),
        ...(reach.scope === 'app' ? { id: reach.appId } : {}),
      },
    });
    const releases = new ReleaseRepository(tx);
    for (const app of apps) {
      const current = await releases.find(scope, app.id, app.currentReleaseVersion as number);
      if (!current) continue;
      await this.cutter.cut(tx, scope, app.id, releaseImageOf(current), description, actorUserId);
    }
    return apps.map((app) => app.id);
  }

  /** After the releases' transaction commits: their apps roll out. */
  released(appIds: string[]): void {
    for (const appId of appIds) this.cluster.wakeApp(appId);
  }

  /**
   * A new release running vK's image with exactly vK's environment. The app's own config vars and
   * secrets go back to what they were at vK, so the next change builds on what runs; values set
   * since at the namespace or tenant stay set there and return with the next release.
   */
  async rollback(
    principal: Principal,
    access: TenantAccess,
    app: App,
    version: number,
    requestId: string | null,
  ) {
    const target = await new ReleaseRepository(this.prisma.client).find(access.scope, app.id, version);
    if (!target) throw notFound('release', `v${version}`);
    const release = await this.prisma.client.$transaction(async (tx) => {
      const tenantKey = await this.keyring.loadTenantKey(tx, access.scope);
      const snapshot = this.cutter.open(tenantKey, app.id, target.configSnapshot);
      await this.restoreAppConfig(tx, access, app, tenantKey, snapshot);
      const { configVersion } = await tx.app.update({
        where: { id_tenantId: { id: app.id, tenantId: access.scope.tenantId } },
        data: { configVersion: { increment: 1 } },
      });
      const created = await new ReleaseRepository(tx).append(access.scope, app.id, {
        ...imageFieldsOf(target),
        configVersion,
        configSnapshot: new Uint8Array(target.configSnapshot),
        description: `Rollback to v${version}`,
        actorUserId: principal.user.id,
      });
      await new AuditRepository(tx).record(
        access.scope,
        this.audit.entry(
          principal,
          requestId,
          'release.rollback',
          'app',
          `${requireNamespace(access).name}/${app.name}`,
          {
            to: version,
            release: created.version,
          },
        ),
      );
      return created;
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

  private async restoreAppConfig(
    tx: Db,
    access: TenantAccess,
    app: App,
    tenantKey: TenantKey,
    snapshot: SnapshotEntry[],
  ) {
    const owner = { scope: 'app' as const, namespaceId: app.namespaceId, appId: app.id };
    const entries = new ConfigEntryRepository(tx);
    const current = await entries.list(access.scope, owner);
    if (current.length)
      await entries.remove(
        access.scope,
        owner,
        current.map((entry) => entry.key),
      );
    for (const entry of snapshot.filter((e) => e.scope === 'app')) {
      const secret = entry.kind === 'secret';
      await entries.upsert(access.scope, owner, {
        key: entry.key,
        kind: entry.kind,
        value: secret ? null : entry.value,
        ciphertext: secret
          ? new Uint8Array(
              this.keyring.seal(
                tenantKey,
                { tenantId: access.scope.tenantId, scopeId: app.id, key: entry.key },
                entry.value,
              ),
            )
          : null,
      });
    }
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
