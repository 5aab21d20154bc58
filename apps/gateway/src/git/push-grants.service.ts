import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { tenantScope, type TenantScope } from '@nimbus/db';
import { RedisService } from '../infra/redis.service';

/** Who pushed to which app: what a build created from a push is attributed to. */
export interface PushGrant {
  tenantId: string;
  appId: string;
  /** TENANT/NAMESPACE/APP, for messages and the app's URL. */
  tenant: string;
  namespace: string;
  app: string;
  actorUserId: string;
  actorToken: string;
}

/** A redeemed grant was issued after the pusher's access to its tenant was checked. */
export function scopeOfGrant(grant: PushGrant): TenantScope {
  return tenantScope(grant.tenantId);
}

/** Long enough for a large pack to arrive before its hook runs. */
const GRANT_TTL_SECONDS = 3600;

/**
 * One-use capabilities handed to a push's pre-receive hook: the hook runs inside git, far from
 * the request that was authenticated, and may create exactly one build for exactly that app.
 * Kept in Redis (hashed) so whichever gateway process the hook reaches can redeem it.
 */
@Injectable()
export class PushGrantsService {
  constructor(private readonly redis: RedisService) {}

  async issue(grant: PushGrant): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.client.set(this.key(token), JSON.stringify(grant), 'EX', GRANT_TTL_SECONDS);
    return token;
  }

  async redeem(token: string): Promise<PushGrant | null> {
    const stored = await this.redis.client.getdel(this.key(token));
    return stored ? (JSON.parse(stored) as PushGrant) : null;
  }

  private key(token: string): string {
    return `${this.redis.prefix}push-grant:${createHash('sha256').update(token).digest('hex')}`;
  }
}
