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
import { snapshotOf, type SnapshotEntry } from './snapshot';

/** What a release runs: an image in the image store and the process types it declares. */
export interface ReleaseImage {
  digest: string;
  processTypes: Record<string, string>;
  /** From a build's app.json: replicas and memory per process type, for the app's first deploy. */
  formation?: Record<string, { replicas?: number; memoryMb?: number }>;
  /** From a build's app.json: run once after the app's first deploy. */
  postdeploy?: string | null;
}

/**
 * The image `release` runs, with what came with it from its build's app.json, for a new release
 * of the same image (a config change): so that one landing before the first deploy completes does
 * not lose the formation or the postdeploy script.
 */
export function releaseImageOf(release: Release): ReleaseImage {
  return {
    digest: release.imageDigest,
    processTypes: release.processTypes as Record<string, string>,
    // Written from a ReleaseImage by the cutter: the same shape comes back.
    ...(release.formation ? { formation: release.formation as ReleaseImage['formation'] } : {}),
    ...(release.postdeploy ? { postdeploy: release.postdeploy } : {}),
  };
}

/** The app a release was asked for is gone (deleted while it was being built, say). */
export class AppGoneError extends Error {
  constructor(appId: string) {
    super(`app ${appId} no longer exists`);
  }
}

/**
 * Cuts releases: vN+1 of an app = an image + the app's effective environment at that moment,
 * sealed under the tenant's key. Shared by the API (config changes, rollbacks) and the builder.
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

  /** Appends the next release of `appId` and makes it current, inside the caller's transaction. */
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
      imageDigest: image.digest,
      processTypes: image.processTypes,
      ...(image.formation && Object.keys(image.formation).length ? { formation: image.formation } : {}),
      ...(image.postdeploy ? { postdeploy: image.postdeploy } : {}),
      configVersion: app.configVersion,
      configSnapshot: new Uint8Array(this.seal(tenantKey, app.id, snapshot)),
      description,
      actorUserId,
    });
  }

  seal(tenantKey: TenantKey, appId: string, snapshot: SnapshotEntry[]): Buffer {
    return this.keyring.sealReleaseConfig(tenantKey, appId, JSON.stringify(snapshot));
  }

  open(tenantKey: TenantKey, appId: string, sealed: Uint8Array): SnapshotEntry[] {
    return JSON.parse(this.keyring.openReleaseConfig(tenantKey, appId, sealed)) as SnapshotEntry[];
  }
}
