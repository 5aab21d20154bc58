import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import {
  APP_LOG_MAX_LINES,
  appLogKey,
  type Assignment,
  type AssignmentList,
  type InstanceStatus,
  type LeaseRenewal,
  type LogEntry,
  type NodeRegistration,
  type RegisteredNode,
} from '@nimbus/cluster';
import { generateApiToken, hashApiToken } from '@nimbus/crypto';
import {
  EventRepository,
  InstanceRepository,
  loadTenantKey,
  NodeRepository,
  ReleaseRepository,
  scopeOfRow,
  type Instance,
  type InstanceWithApp,
  type Node,
  type SystemScope,
  type TenantScope,
} from '@nimbus/db';
import { environmentOf, ReleaseCutter } from '@nimbus/releases';
import { ProblemException } from '../common/problem';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { KeyringService } from '../infra/keyring.service';
import { PrismaService } from '../infra/prisma.service';
import { RedisService } from '../infra/redis.service';
import { SYSTEM_SCOPE } from '../infra/system-scope.module';
import { isSettled, toAssignment, type AssignmentContext } from './assignments';
import { ClusterEventsService } from '../infra/cluster-events.service';

type CachedRelease = AssignmentContext['release'] & { env: Record<string, string> };

/** The control plane's side of the agent protocol (libs/cluster): nodes, leases, assignments. */
@Injectable()
export class AgentsService {
  private readonly cutter: ReleaseCutter;
  /** Releases with their environments opened, by app and version. */
  private readonly releases = new LRUCache<string, Promise<CachedRelease | null>>({ max: 1000 });
  /** Which app each instance belongs to, for shipping its log lines. */
  private readonly instanceApps = new LRUCache<string, { appId: string; processType: string }>({
    max: 10_000,
  });

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly events: ClusterEventsService,
    @Inject(SYSTEM_SCOPE) private readonly system: SystemScope,
    keyring: KeyringService,
  ) {
    this.cutter = new ReleaseCutter(keyring);
  }

  /** A node joins (or rejoins, getting a new credential) with the platform's join token. */
  async register(joinToken: string | undefined, registration: NodeRegistration): Promise<RegisteredNode> {
    const expected = this.config.NIMBUS_NODE_JOIN_TOKEN;
    if (!expected || joinToken !== expected)
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'node/bad_join_token',
        'the join token is not valid',
      );
    const token = generateApiToken();
    const fields = {
      tokenHash: hashApiToken(token),
      address: registration.address,
      cpuMillis: registration.capacity.cpuMillis,
      memoryMb: registration.capacity.memoryMb,
      labels: registration.labels,
      runtimes: registration.runtimes,
      leaseRenewedAt: new Date(),
      ready: true,
    };
    const node = await this.prisma.client.node.upsert({
      where: { name: registration.name },
      create: { name: registration.name, ...fields },
      update: fields,
    });
    await this.recordEvent(node, 'Normal', 'Registered', `node ${node.name} registered`);
    this.events.wakeNode(node.id);
    return { id: node.id, name: node.name, token, leaseDurationMs: this.config.NIMBUS_NODE_LEASE_DURATION };
  }

  async renewLease(node: Node, renewal: LeaseRenewal = {}): Promise<{ leaseDurationMs: number }> {
    await new NodeRepository(this.prisma.client).renewLease(this.system, node.id, renewal.cachedImages);
    // A node coming back is news for the lifecycle controller; a routine renewal is not.
    if (!node.ready) this.events.wakeNode(node.id);
    return { leaseDurationMs: this.config.NIMBUS_NODE_LEASE_DURATION };
  }

  /** The node's assignments: every instance bound to it that it still has something to do for. */
  async list(node: Node): Promise<AssignmentList> {
    const instances = await this.boundTo(node);
    const items = await this.toAssignments(instances.filter((instance) => !isSettled(instance)));
    return { items, resourceVersion: this.maxVersion(instances).toString() };
  }

  /**
   * What changed for the node since `known` (the ids its watch has sent) and resource version
   * `after`: changed or new assignments, and removed ones (settled, deleted with their app).
   */
  async changes(node: Node, known: Set<string>, after: bigint) {
    const instances = await this.boundTo(node);
    const live = instances.filter((instance) => !isSettled(instance));
    const liveIds = new Set(live.map((instance) => instance.id));
    const changed = await this.toAssignments(live.filter((instance) => instance.resourceVersion > after));
    const removed = [...known].filter((id) => !liveIds.has(id));
    return { changed, removed, resourceVersion: this.maxVersion(instances, after) };
  }

  async reportStatus(node: Node, instanceId: string, status: InstanceStatus): Promise<void> {
    const instances = new InstanceRepository(this.prisma.client);
    const instance = await instances.findOnNode(this.system, node.id, instanceId);
    if (!instance)
      throw new ProblemException(HttpStatus.NOT_FOUND, 'instance/not_found', 'no such instance on this node');
    const now = new Date();
    await instances.updateStatus(this.system, instance.id, {
      phase: status.phase,
      ready: status.ready,
      restarts: status.restarts,
      exitCode: status.exitCode,
      reason: status.reason,
      message: status.message,
      lastFailure: status.lastFailure,
      port: status.port,
      cpuPercent: status.usage?.cpuPercent ?? null,
      memoryBytes: status.usage ? BigInt(Math.round(status.usage.memoryBytes)) : null,
      ...(status.phase === 'running' && !instance.startedAt ? { startedAt: now } : {}),
      ...(status.ready && !instance.ready ? { readyAt: now } : {}),
      ...((status.phase === 'exited' || status.phase === 'failed') && !instance.finishedAt
        ? { finishedAt: now }
        : {}),
    });
    const news =
      instance.phase !== status.phase ||
      instance.ready !== status.ready ||
      instance.restarts !== status.restarts ||
      instance.lastFailure !== status.lastFailure ||
      instance.port !== status.port;
    if (news) this.events.wakeApp(instance.appId);
  }

  /** Appends log lines to their apps' capped streams; lines of instances not on this node are dropped. */
  async appendLogs(node: Node, entries: LogEntry[]): Promise<void> {
    const unknown = [...new Set(entries.map((entry) => entry.instanceId))].filter(
      (id) => !this.instanceApps.has(id),
    );
    if (unknown.length) {
      const found = await new InstanceRepository(this.prisma.client).ownersOnNode(
        this.system,
        node.id,
        unknown,
      );
      for (const instance of found) this.instanceApps.set(instance.id, instance);
    }
    const pipeline = this.redis.client.pipeline();
    for (const entry of entries) {
      const owner = this.instanceApps.get(entry.instanceId);
      if (!owner) continue;
      pipeline.xadd(
        appLogKey(this.redis.prefix, owner.appId),
        'MAXLEN',
        '~',
        APP_LOG_MAX_LINES,
        '*',
        'at',
        String(entry.at),
        'type',
        owner.processType,
        'instance',
        entry.instanceId,
        'stream',
        entry.stream,
        'line',
        entry.line,
      );
    }
    await pipeline.exec();
  }

  private boundTo(node: Node): Promise<InstanceWithApp[]> {
    return new InstanceRepository(this.prisma.client).listOnNode(this.system, node.id);
  }

  private maxVersion(instances: Instance[], floor = 0n): bigint {
    return instances.reduce(
      (max, instance) => (instance.resourceVersion > max ? instance.resourceVersion : max),
      floor,
    );
  }

  private async toAssignments(instances: InstanceWithApp[]): Promise<Assignment[]> {
    const assignments: Assignment[] = [];
    for (const instance of instances) {
      const context = await this.contextOf(instance);
      if (context) assignments.push(toAssignment(instance, context));
    }
    return assignments;
  }

  private async contextOf(instance: InstanceWithApp): Promise<AssignmentContext | null> {
    const release = await this.releaseOf(
      scopeOfRow(this.system, instance),
      instance.appId,
      instance.releaseVersion,
    );
    if (!release) return null;
    return {
      app: {
        tenant: instance.app.tenant.name,
        namespace: instance.app.namespace.name,
        name: instance.app.name,
        runtime: instance.app.runtime,
      },
      release,
      env: release.env,
      gracePeriodMs: this.config.NIMBUS_STOP_GRACE_PERIOD,
    };
  }

  /**
   * A release as assignments carry it, its environment opened: read and decrypted once, since
   * releases never change, rather than on every watch wake-up of every node running it.
   */
  private releaseOf(scope: TenantScope, appId: string, version: number): Promise<CachedRelease | null> {
    const key = `${appId}:${version}`;
    let cached = this.releases.get(key);
    if (!cached) {
      cached = this.loadRelease(scope, appId, version);
      this.releases.set(key, cached);
      // A failed read is not remembered: the next caller tries again.
      cached.catch(() => this.releases.delete(key));
    }
    return cached;
  }

  private async loadRelease(
    scope: TenantScope,
    appId: string,
    version: number,
  ): Promise<CachedRelease | null> {
    const release = await new ReleaseRepository(this.prisma.client).find(scope, appId, version);
    if (!release) return null;
    return {
      version: release.version,
      imageDigest: release.imageDigest,
      processTypes: release.processTypes as Record<string, string>,
      env: await this.openEnvironment(scope, appId, release.configSnapshot),
    };
  }

  private async openEnvironment(scope: TenantScope, appId: string, sealed: Uint8Array) {
    const tenantKey = await loadTenantKey(this.prisma.client, scope);
    return environmentOf(this.cutter.open(tenantKey, appId, sealed));
  }

  private async recordEvent(node: Node, type: string, reason: string, message: string) {
    await new EventRepository(this.prisma.client).recordForNode(this.system, {
      nodeId: node.id,
      type,
      reason,
      message,
    });
  }
}
