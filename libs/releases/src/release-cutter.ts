import type { TenantKey, TenantKeyring } from '@nimbus/crypto';
import {
  AppRepository,
  ConfigEntryRepository,
  ReleaseRepository,
  loadTenantKey,
  type App,
  type Db,
  type Release,
  type TenantScope,
} from '@nimbus/db';
import { AppGoneError } from './errors';
import { imageColumnsOf, releaseImageOf, type ReleaseImage } from './release-image';
import { rollBack } from './rollback';
import { snapshotOf, type SnapshotEntry } from './snapshot';
import { openSnapshot, sealSnapshot } from './snapshot-seal';

/** Which deployed apps a config change reaches. */
export type ConfigReach =
  { scope: 'tenant' } | { scope: 'namespace'; namespaceId: string } | { scope: 'app'; appId: string };

/**
 * The one owner of an app's releases: every new release, whether a deploy (the builder, the
 * API), a config change or a rollback (the API, the orchestrator), is cut here. vN+1 of an app =
 * an image + an environment sealed under the tenant's key, appended inside the caller's
 * transaction and made current; the caller wakes the app once its transaction commits.
 */
export class ReleaseCutter {
  constructor(private readonly keyring: TenantKeyring) {}

  /** The app's environment as it is now, in `tx`, with secrets opened. */
  async currentSnapshot(
    tx: Db,
    scope: TenantScope,
    app: App,
    tenantKey?: TenantKey,
  ): Promise<SnapshotEntry[]> {
    const key = tenantKey ?? (await loadTenantKey(tx, scope));
    const entries = await new ConfigEntryRepository(tx).forApp(scope, app.namespaceId, app.id);
    return snapshotOf(entries, (entry) =>
      this.keyring.open(
        key,
        { tenantId: scope.tenantId, scopeId: entry.scopeId, key: entry.key },
        entry.ciphertext as Uint8Array,
      ),
    );
  }

  /** Appends the next release of `appId`: `image` with the app's environment as it is now. */
  async cut(
    tx: Db,
    scope: TenantScope,
    appId: string,
    image: ReleaseImage,
    description: string,
    actorUserId: string | null,
  ): Promise<Release> {
    const app = await new AppRepository(tx).findById(scope, appId);
    if (!app) throw new AppGoneError(appId);
    const tenantKey = await loadTenantKey(tx, scope);
    const snapshot = await this.currentSnapshot(tx, scope, app, tenantKey);
    return new ReleaseRepository(tx).append(scope, app.id, {
      ...imageColumnsOf(image),
      configVersion: app.configVersion,
      configSnapshot: new Uint8Array(sealSnapshot(this.keyring, tenantKey, app.id, snapshot)),
      description,
      actorUserId,
    });
  }

  /**
   * Within a config change's transaction `tx`: every app it reaches that has been deployed gets a
   * new release with its current image and its new environment, or, should anything fail, neither
   * the change nor the releases happen. Returns the ids of the apps released.
   */
  async cutForConfigChange(
    tx: Db,
    scope: TenantScope,
    reach: ConfigReach,
    description: string,
    actorUserId: string,
  ): Promise<string[]> {
    const apps = await new AppRepository(tx).listDeployed(scope, {
      ...(reach.scope === 'namespace' ? { namespaceId: reach.namespaceId } : {}),
      ...(reach.scope === 'app' ? { appId: reach.appId } : {}),
    });
    const releases = new ReleaseRepository(tx);
    for (const app of apps) {
      const current = await releases.find(scope, app.id, app.currentReleaseVersion as number);
      if (!current) continue;
      await this.cut(tx, scope, app.id, releaseImageOf(current), description, actorUserId);
    }
    return apps.map((app) => app.id);
  }

  /** Rolls `appId` back to release `version` by the rule of {@link rollBack}. */
  rollback(
    tx: Db,
    scope: TenantScope,
    appId: string,
    version: number,
    description: string,
    actorUserId: string | null,
  ): Promise<Release> {
    return rollBack(tx, this.keyring, scope, appId, version, description, actorUserId);
  }

  /** A release's sealed environment, opened: for the agents that run it. */
  open(tenantKey: TenantKey, appId: string, sealed: Uint8Array): SnapshotEntry[] {
    return openSnapshot(this.keyring, tenantKey, appId, sealed);
  }
}
