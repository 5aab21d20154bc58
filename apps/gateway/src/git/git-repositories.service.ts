import { execFile } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

const run = promisify(execFile);

/**
 * One bare repository per app, at NIMBUS_GIT_ROOT/<tenant id>/<app id>.git: ids, not names, so a
 * renamed or re-created app never finds another's history.
 */
@Injectable()
export class GitRepositoriesService {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  tenantRoot(tenantId: string): string {
    return join(this.config.NIMBUS_GIT_ROOT, tenantId);
  }

  path(tenantId: string, appId: string): string {
    return join(this.tenantRoot(tenantId), `${appId}.git`);
  }

  /** Creates the app's bare repository on first use; safe to call concurrently. */
  async ensure(tenantId: string, appId: string): Promise<void> {
    const path = this.path(tenantId, appId);
    try {
      await access(join(path, 'HEAD'));
      return;
    } catch {
      // Not there yet.
    }
    await mkdir(path, { recursive: true });
    // `git init` on an existing repository only reinitialises it, so a race is harmless.
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', path]);
    // Pushes of any size arrive as packs; keep them as packs instead of exploding into loose objects.
    await run('git', ['-C', path, 'config', 'receive.unpackLimit', '1']);
  }

  async remove(tenantId: string, appId: string): Promise<void> {
    await rm(join(this.tenantRoot(tenantId), `${appId}.git`), { recursive: true, force: true });
  }

  async removeTenant(tenantId: string): Promise<void> {
    await rm(this.tenantRoot(tenantId), { recursive: true, force: true });
  }
}
