import { Injectable } from '@nestjs/common';
import {
  AppRepository,
  AuditRepository,
  ConfigEntryRepository,
  NamespaceRepository,
  type App,
  type ConfigEntry,
  type ConfigKind,
  type ConfigOwner,
  type Db,
} from '@nimbus/db';
import { mergeEnvironment, roleAtLeast } from '@nimbus/domain';
import { conflict, forbidden } from '../common/problem';
import { requireNamespace } from '../common/access-targets';
import { KeyringService, type TenantKey } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import { auditEntry } from '../audit/audit-entry';
import { describeChange } from './describe-change';
import { ReleasesService, type ConfigReach } from '../releases/releases.service';
import type { Principal, TenantAccess } from '../auth/principal';
import type { PatchConfigDto } from './dto/config.dto';

/** Who asked to see secrets' values: revealing is audited, as a change would be. */
export interface RevealRequest {
  principal: Principal;
  requestId: string | null;
}

/** The tenant, namespace or app a config request addresses. */
export type ConfigTarget = { scope: 'tenant' } | { scope: 'namespace' } | { scope: 'app'; app: App };

const KIND_NAME: Record<ConfigKind, string> = { var: 'config var', secret: 'secret' };
/** A tenant-wide change cuts a release for every deployed app, all in one transaction. */
const CHANGE_TIMEOUT_MS = 30_000;

@Injectable()
export class ConfigVarsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly releases: ReleasesService,
  ) {}

  async list(access: TenantAccess, target: ConfigTarget, kind: ConfigKind, reveal: RevealRequest | null) {
    this.assertMayReveal(access, reveal);
    const entries = await new ConfigEntryRepository(this.prisma.client).list(
      access.scope,
      this.owner(access, target),
      kind,
    );
    const tenantKey = await this.revealing(
      reveal,
      access,
      target.scope,
      this.targetName(access, target),
      entries,
    );
    return {
      scope: target.scope,
      configVersion: await this.readVersion(this.prisma.client, access, target),
      entries: entries.map((entry) => this.present(entry, tenantKey)),
    };
  }

  /**
   * Sets and unsets keys of one kind in one transaction, moves the config version of every app
   * whose environment changed, and records the keys (never the values) in the audit log.
   */
  async patch(
    principal: Principal,
    access: TenantAccess,
    target: ConfigTarget,
    kind: ConfigKind,
    change: PatchConfigDto,
    requestId: string | null,
  ) {
    const owner = this.owner(access, target);
    const setKeys = Object.keys(change.set ?? {});
    const unsetKeys = change.unset ?? [];
    let released: string[] = [];
    const version = await this.prisma.client.$transaction(
      async (tx) => {
        const repository = new ConfigEntryRepository(tx);
        const existing = new Map(
          (await repository.list(access.scope, owner)).map((entry) => [entry.key, entry]),
        );
        for (const key of [...setKeys, ...unsetKeys]) {
          const other = existing.get(key);
          if (other && other.kind !== kind) {
            throw conflict(
              'config/kind_mismatch',
              `${key} is a ${KIND_NAME[other.kind]} at this scope; unset it there first`,
            );
          }
        }
        const tenantKey = kind === 'secret' ? await this.keyring.loadTenantKey(tx, access.scope) : null;
        for (const [key, value] of Object.entries(change.set ?? {})) {
          await repository.upsert(access.scope, owner, {
            key,
            kind,
            value: kind === 'var' ? value : null,
            ciphertext: tenantKey
              ? new Uint8Array(
                  this.keyring.seal(
                    tenantKey,
                    { tenantId: tenantKey.id, scopeId: this.ownerId(access, target), key },
                    value,
                  ),
                )
              : null,
          });
        }
        const removedKeys = unsetKeys.filter((key) => existing.has(key));
        if (removedKeys.length) await repository.remove(access.scope, owner, removedKeys);
        if (setKeys.length > 0 || removedKeys.length > 0) {
          await this.bumpVersions(tx, access, target);
          released = await this.releases.onConfigChange(
            tx,
            access.scope,
            this.reach(access, target),
            describeChange(
              kind,
              setKeys,
              removedKeys,
              target.scope === 'app' ? null : `${target.scope} ${this.targetName(access, target)}`,
            ),
            principal.user.id,
          );
        }
        await new AuditRepository(tx).record(
          access.scope,
          auditEntry(
            principal,
            requestId,
            kind === 'var' ? 'config.update' : 'secrets.update',
            target.scope,
            this.targetName(access, target),
            { set: setKeys, unset: removedKeys },
          ),
        );
        return this.readVersion(tx, access, target);
      },
      { timeout: CHANGE_TIMEOUT_MS },
    );
    this.releases.released(released);
    const entries = await new ConfigEntryRepository(this.prisma.client).list(access.scope, owner, kind);
    return {
      scope: target.scope,
      configVersion: version,
      entries: entries.map((entry) => this.present(entry, null)),
    };
  }

  /** What the app runs with: tenant < namespace < app, each entry naming its source. */
  async environment(access: TenantAccess, app: App, reveal: RevealRequest | null) {
    this.assertMayReveal(access, reveal);
    const entries = await new ConfigEntryRepository(this.prisma.client).forApp(
      access.scope,
      app.namespaceId,
      app.id,
    );
    const tenantKey = await this.revealing(reveal, access, 'app', app.name, entries);
    const merged = mergeEnvironment(
      entries.map((entry) => ({
        key: entry.key,
        scope: entry.scope,
        secret: entry.kind === 'secret',
        value: entry,
      })),
    );
    return {
      app: app.name,
      configVersion: app.configVersion,
      entries: merged.map(({ value: entry, overrides }) => ({
        ...this.present(entry, tenantKey),
        overrides,
      })),
    };
  }

  /** A secret's value is shown only when the tenant's key was loaded, i.e. when revealing. */
  private present(entry: ConfigEntry, tenantKey: TenantKey | null) {
    const secret = entry.kind === 'secret';
    let value = entry.value;
    if (secret) {
      value =
        tenantKey && entry.ciphertext
          ? this.keyring.open(
              tenantKey,
              { tenantId: tenantKey.id, scopeId: entry.scopeId, key: entry.key },
              entry.ciphertext,
            )
          : null;
    }
    return { key: entry.key, value, secret, scope: entry.scope, updatedAt: entry.updatedAt.toISOString() };
  }

  private assertMayReveal(access: TenantAccess, reveal: RevealRequest | null): void {
    if (reveal && !roleAtLeast(access.role, 'admin'))
      throw forbidden('revealing secrets needs the admin role');
  }

  /**
   * The tenant's key when secrets are to be revealed, once the audit log says who saw which
   * (keys only); no key, and so no value, when the record cannot be written.
   */
  private async revealing(
    reveal: RevealRequest | null,
    access: TenantAccess,
    targetType: string,
    targetName: string,
    entries: ConfigEntry[],
  ): Promise<TenantKey | null> {
    if (!reveal) return null;
    const keys = entries.filter((entry) => entry.kind === 'secret').map((entry) => entry.key);
    if (keys.length === 0) return null;
    await new AuditRepository(this.prisma.client).record(
      access.scope,
      auditEntry(reveal.principal, reveal.requestId, 'secrets.reveal', targetType, targetName, { keys }),
    );
    return this.keyring.loadTenantKey(this.prisma.client, access.scope);
  }

  private owner(access: TenantAccess, target: ConfigTarget): ConfigOwner {
    if (target.scope === 'tenant') return { scope: 'tenant' };
    const namespaceId = requireNamespace(access).id;
    return target.scope === 'namespace'
      ? { scope: 'namespace', namespaceId }
      : { scope: 'app', namespaceId, appId: target.app.id };
  }

  private reach(access: TenantAccess, target: ConfigTarget): ConfigReach {
    if (target.scope === 'tenant') return { scope: 'tenant' };
    return target.scope === 'namespace'
      ? { scope: 'namespace', namespaceId: requireNamespace(access).id }
      : { scope: 'app', appId: target.app.id };
  }

  private ownerId(access: TenantAccess, target: ConfigTarget): string {
    if (target.scope === 'tenant') return access.tenant.id;
    return target.scope === 'namespace' ? requireNamespace(access).id : target.app.id;
  }

  private targetName(access: TenantAccess, target: ConfigTarget): string {
    if (target.scope === 'tenant') return access.tenant.name;
    const namespace = requireNamespace(access).name;
    return target.scope === 'namespace' ? namespace : `${namespace}/${target.app.name}`;
  }

  private async bumpVersions(tx: Db, access: TenantAccess, target: ConfigTarget): Promise<void> {
    if (target.scope === 'tenant') {
      await tx.tenant.update({
        where: { id: access.scope.tenantId },
        data: { configVersion: { increment: 1 } },
      });
      await new AppRepository(tx).bumpAllConfigVersions(access.scope);
    } else if (target.scope === 'namespace') {
      await new NamespaceRepository(tx).bumpConfigVersion(access.scope, requireNamespace(access).id);
    } else {
      await new AppRepository(tx).bumpConfigVersion(access.scope, target.app.id);
    }
  }

  private async readVersion(tx: Db, access: TenantAccess, target: ConfigTarget): Promise<number> {
    if (target.scope === 'tenant') {
      return (await tx.tenant.findUniqueOrThrow({ where: { id: access.scope.tenantId } })).configVersion;
    }
    if (target.scope === 'namespace') {
      return new NamespaceRepository(tx).configVersion(access.scope, requireNamespace(access).id);
    }
    return new AppRepository(tx).configVersion(access.scope, target.app.id);
  }
}
