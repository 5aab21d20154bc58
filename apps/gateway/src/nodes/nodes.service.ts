import { Inject, Injectable } from '@nestjs/common';
import { EventRepository, InstanceRepository, type Node, type SystemScope } from '@nimbus/db';
import { FINISHED_PHASES, nodeIsReady } from '@nimbus/cluster';
import { forbidden, notFound } from '../common/problem';
import type { Principal } from '../auth/principal';
import { ClusterEventsService } from '../infra/cluster-events.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { PrismaService } from '../infra/prisma.service';
import { SYSTEM_SCOPE } from '../infra/system-scope.module';

@Injectable()
export class NodesService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly prisma: PrismaService,
    private readonly events: ClusterEventsService,
    @Inject(SYSTEM_SCOPE) private readonly system: SystemScope,
  ) {}

  async list(principal: Principal) {
    this.requireAdmin(principal);
    const nodes = await this.prisma.client.node.findMany({ orderBy: { name: 'asc' } });
    return Promise.all(nodes.map((node) => this.present(node)));
  }

  async set(principal: Principal, name: string, change: { cordoned: boolean; draining?: boolean }) {
    this.requireAdmin(principal);
    const node = await this.prisma.client.node.findUnique({ where: { name } });
    if (!node) throw notFound('node', name);
    const updated = await this.prisma.client.node.update({ where: { id: node.id }, data: change });
    await new EventRepository(this.prisma.client).recordForNode(this.system, {
      nodeId: node.id,
      type: 'Normal',
      reason: change.draining ? 'Drain' : change.cordoned ? 'Cordon' : 'Uncordon',
      message: `node ${name} ${change.draining ? 'drained' : change.cordoned ? 'cordoned' : 'uncordoned'} by ${principal.user.email}`,
    });
    this.events.wakeNode(node.id);
    return this.present(updated);
  }

  private requireAdmin(principal: Principal): void {
    if (!principal.user.isPlatformAdmin || principal.token.tenantId)
      throw forbidden('nodes are managed by platform administrators, with a token not limited to a tenant');
  }

  private async present(node: Node) {
    const bound = await new InstanceRepository(this.prisma.client).allocatedOn(
      this.system,
      node.id,
      FINISHED_PHASES,
    );
    return {
      name: node.name,
      address: node.address,
      status: nodeIsReady(node, new Date(), this.config.NIMBUS_NODE_LEASE_DURATION)
        ? ('Ready' as const)
        : ('NotReady' as const),
      cordoned: node.cordoned,
      draining: node.draining,
      cpuMillis: node.cpuMillis,
      memoryMb: node.memoryMb,
      allocatedCpuMillis: bound.cpuMillis,
      allocatedMemoryMb: bound.memoryMb,
      instances: bound.instances,
      labels: node.labels as Record<string, string>,
      runtimes: node.runtimes,
      leaseRenewedAt: node.leaseRenewedAt.toISOString(),
    };
  }
}
