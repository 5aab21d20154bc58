import type { Db } from '../prisma-client';
import type { SystemScope } from '../tenant-scope';
import type { Node } from '../generated/prisma/client';

/** The machines agents run instances on: the platform's, in no tenant. */
export class NodeRepository {
  constructor(private readonly db: Db) {}

  list(_system: SystemScope): Promise<Node[]> {
    return this.db.node.findMany();
  }

  /**
   * A lease renewed now; with the images its agent says it has unpacked, when it says (an older
   * agent does not, and its last report stands).
   */
  async renewLease(_system: SystemScope, id: string, cachedImages?: string[]): Promise<void> {
    await this.db.node.update({
      where: { id },
      data: { leaseRenewedAt: new Date(), ...(cachedImages ? { cachedImages } : {}) },
    });
  }

  /** Records what the node lifecycle reconciler observed of the node's lease. */
  async setReady(_system: SystemScope, id: string, ready: boolean): Promise<void> {
    await this.db.node.update({ where: { id }, data: { ready } });
  }
}
