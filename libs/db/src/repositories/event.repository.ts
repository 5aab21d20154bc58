import type { Db } from '../prisma-client';
import type { SystemScope, TenantScope } from '../tenant-scope';
import type { Event } from '../generated/prisma/client';

export interface NodeEvent {
  nodeId: string;
  /** Normal or Warning, as in Kubernetes. */
  type: string;
  reason: string;
  message: string;
}

export interface AppEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What the system did: an app's events belong to its tenant, a node's to the platform. */
export class EventRepository {
  constructor(private readonly db: Db) {}

  /** Newest first. */
  listForApp(scope: TenantScope, appId: string, limit: number): Promise<Event[]> {
    return this.db.event.findMany({
      where: { tenantId: scope.tenantId, appId },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }

  /** A node's events are the platform's, in no tenant. */
  async recordForNode(_system: SystemScope, event: NodeEvent): Promise<void> {
    await this.db.event.create({ data: event });
  }
  async recordForApp(scope: TenantScope, appId: string, event: AppEvent): Promise<void> {
    await this.db.event.create({ data: { tenantId: scope.tenantId, appId, ...event } });
  }
}
