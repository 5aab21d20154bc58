import { FINISHED_PHASES, Scheduler, type NamespaceQuota, type SchedulableNode } from '@nimbus/cluster';
import type { Db, Instance, Node, Prisma } from '@nimbus/db';
import type { OrchestratorConfig } from '../orchestrator.config';
import { planProcess, type PlannedInstance } from './rollout-plan';
import { rollbackRelease } from './rollback';
import { describeFailure, describeStall, failedInstance } from './rollout-health';
import { ensureFormations } from './formations';
import { reconcilePostdeploy } from './postdeploy';

/** What a reconcile changed that others must hear about once its transaction commits. */
export interface ReconcileOutcome {
  /** Nodes whose assignments changed. */
  nodes: Set<string>;
  /** When to look at the app again at the latest (a drain delay ending, a deadline). */
  recheckInMs: number | null;
}

type AppWithContext = Prisma.AppGetPayload<{ include: { namespace: true; tenant: true; formations: true } }>;

const settledPhases = new Set(FINISHED_PHASES);
/** Instances the app still has, as far as its controllers are concerned. */
const isLive = (instance: Instance) =>
  instance.desiredState === 'running' && !(instance.kind === 'oneoff' && settledPhases.has(instance.phase));

/**
 * The app controller: formations, rolling deploys, draining, scheduling. Reads the app's desired
 * state (current release, formations) and observed state (instances, nodes) and takes one step
 * toward the first, in the leader's fenced transaction; running it again on the same state
 * changes nothing.
 */
export class AppController {
  constructor(private readonly config: OrchestratorConfig) {}

  async reconcile(tx: Db, appId: string, now: Date): Promise<ReconcileOutcome> {
    const outcome: ReconcileOutcome = { nodes: new Set(), recheckInMs: null };
    const app = await tx.app.findUnique({
      where: { id: appId },
      include: { namespace: true, tenant: true, formations: true },
    });
    if (!app) return outcome;
    const instances = await tx.instance.findMany({ where: { appId }, orderBy: { createdAt: 'asc' } });
    const nodes = await tx.node.findMany();
    const nodeById = new Map(nodes.map((node) => [node.id, node]));
    const release =
      app.currentReleaseVersion === null
        ? null
        : await tx.release.findFirst({ where: { appId, version: app.currentReleaseVersion } });
    const processTypes = (release?.processTypes ?? {}) as Record<string, string>;

    if (release) {
      const note = await ensureFormations(tx, app, release, processTypes);
      if (note) await event(tx, app, note.type, note.reason, note.message);
    }
    const formations = await tx.formation.findMany({ where: { appId } });

    // Draining instances whose delay is over are stopped; others are looked at again when it ends.
    const drainDeadline = now.getTime() - this.config.NIMBUS_DRAIN_DELAY;
    const toStop: Instance[] = [];
    for (const instance of instances.filter((i) => i.desiredState === 'running' && i.drainingSince)) {
      const since = (instance.drainingSince as Date).getTime();
      if (since <= drainDeadline) toStop.push(instance);
      else outcome.recheckInMs = minimum(outcome.recheckInMs, since - drainDeadline);
    }

    const toDrain = new Set<string>();
    let toCreate: { processType: string; count: number; cpuMillis: number; memoryMb: number }[] = [];
    const services = instances.filter((i) => i.kind === 'service' && isLive(i) && !i.drainingSince);
    if (!release) {
      for (const instance of services) toDrain.add(instance.id);
    } else {
      for (const instance of services) if (!(instance.processType in processTypes)) toDrain.add(instance.id);
      for (const formation of formations) {
        if (!(formation.processType in processTypes)) continue;
        const plan = planProcess({
          replicas: formation.replicas,
          maxSurge: formation.maxSurge,
          maxUnavailable: formation.maxUnavailable,
          currentVersion: release.version,
          instances: services
            .filter((instance) => instance.processType === formation.processType)
            .map((instance) => toPlanned(instance, nodeById)),
        });
        for (const id of plan.drain) toDrain.add(id);
        if (plan.create > 0)
          toCreate.push({
            processType: formation.processType,
            count: plan.create,
            cpuMillis: formation.cpuMillis,
            memoryMb: formation.memoryMb,
          });
      }
    }
    toCreate = toCreate.filter((item) => item.count > 0);

    if (toDrain.size) {
      await tx.instance.updateMany({ where: { id: { in: [...toDrain] } }, data: { drainingSince: now } });
      outcome.recheckInMs = minimum(outcome.recheckInMs, this.config.NIMBUS_DRAIN_DELAY);
    }
    if (toStop.length) {
      await tx.instance.updateMany({
        where: { id: { in: toStop.map((i) => i.id) } },
        data: { desiredState: 'stopped' },
      });
      await bumpVersions(
        tx,
        toStop.map((i) => i.id),
      );
      for (const instance of toStop) if (instance.nodeId) outcome.nodes.add(instance.nodeId);
      // Never scheduled: nothing will report it stopped, so it is settled here.
      const unplaced = toStop.filter((i) => !i.nodeId).map((i) => i.id);
      if (unplaced.length)
        await tx.instance.updateMany({
          where: { id: { in: unplaced } },
          data: { phase: 'exited', finishedAt: now },
        });
    }
    if (release) {
      for (const item of toCreate) {
        await tx.instance.createMany({
          data: Array.from({ length: item.count }, () => ({
            tenantId: app.tenantId,
            appId,
            namespaceId: app.namespaceId,
            processType: item.processType,
            releaseVersion: release.version,
            cpuMillis: item.cpuMillis,
            memoryMb: item.memoryMb,
          })),
        });
      }
      await this.trackRollout(tx, app, release.version, formations, now, outcome);
      const postdeploy = await reconcilePostdeploy(tx, app);
      if (postdeploy) await event(tx, app, postdeploy.type, postdeploy.reason, postdeploy.message);
    }
    await this.schedule(tx, app, nodes, outcome);
    return outcome;
  }

  /**
   * Records a rollout per current release, completes it when every process type runs its
   * replicas of that release, all ready, with no old ones left, and rolls it back when its
   * deadline passes first.
   */
  private async trackRollout(
    tx: Db,
    app: AppWithContext,
    version: number,
    formations: { processType: string; replicas: number }[],
    now: Date,
    outcome: ReconcileOutcome,
  ) {
    let rollout = await tx.rollout.findFirst({
      where: { appId: app.id, releaseVersion: version },
      orderBy: { createdAt: 'desc' },
    });
    if (!rollout) {
      const previous = await tx.rollout.findFirst({
        where: { appId: app.id },
        orderBy: { createdAt: 'desc' },
      });
      rollout = await tx.rollout.create({
        data: {
          tenantId: app.tenantId,
          appId: app.id,
          releaseVersion: version,
          previousVersion:
            previous?.status === 'complete' ? previous.releaseVersion : (previous?.previousVersion ?? null),
          deadlineAt: new Date(now.getTime() + this.config.NIMBUS_PROGRESS_DEADLINE),
        },
      });
      await event(tx, app, 'Normal', 'RolloutStarted', `rolling out v${version}`);
    }
    if (rollout.status !== 'progressing') return;
    const instances = await tx.instance.findMany({
      where: { appId: app.id, kind: 'service', desiredState: 'running' },
    });
    const nodes = new Map((await tx.node.findMany()).map((node) => [node.id, node]));
    const done = formations.every((formation) => {
      const ofType = instances.filter((i) => i.processType === formation.processType);
      const current = ofType.filter((i) => i.releaseVersion === version && !i.drainingSince);
      return (
        current.length === formation.replicas &&
        current.every((i) => toPlanned(i, nodes).available) &&
        ofType.every((i) => i.releaseVersion === version)
      );
    });
    if (done) {
      await tx.rollout.update({ where: { id: rollout.id }, data: { status: 'complete', finishedAt: now } });
      await event(tx, app, 'Normal', 'RolloutComplete', `v${version} is running`);
      return;
    }
    const ofRelease = instances.filter((i) => i.releaseVersion === version && !i.drainingSince);
    // A new instance that keeps failing fails its rollout now: the deadline is for slow starts.
    const failed = failedInstance(ofRelease, this.config.NIMBUS_ROLLOUT_MAX_RESTARTS);
    if (failed || now >= rollout.deadlineAt) {
      const cause = failed ? describeFailure(failed) : describeStall(ofRelease);
      const reason = failed
        ? `v${version} failed: ${cause}`
        : `v${version} did not become ready within ${this.config.NIMBUS_PROGRESS_DEADLINE / 1000}s: ${cause}`;
      await tx.rollout.update({
        where: { id: rollout.id },
        data: { status: 'failed', reason, finishedAt: now },
      });
      if (rollout.previousVersion === null) {
        await event(tx, app, 'Warning', 'RolloutFailed', `${reason}; no earlier release to roll back to`);
        return;
      }
      const rolledBack = await rollbackRelease(
        tx,
        app,
        rollout.previousVersion,
        `v${version} failed: ${cause}`,
      );
      await event(
        tx,
        app,
        'Warning',
        'RolloutFailed',
        `${reason}; rolled back to v${rollout.previousVersion} as v${rolledBack}`,
      );
      outcome.recheckInMs = 0;
      return;
    }
    outcome.recheckInMs = minimum(outcome.recheckInMs, rollout.deadlineAt.getTime() - now.getTime());
  }

  /** Places the app's unplaced instances; what cannot be placed says why, and waits for capacity. */
  private async schedule(tx: Db, app: AppWithContext, nodes: Node[], outcome: ReconcileOutcome) {
    const pending = await tx.instance.findMany({
      where: { appId: app.id, nodeId: null, desiredState: 'running', phase: 'pending' },
      orderBy: { createdAt: 'asc' },
    });
    if (!pending.length) return;
    const scheduler = new Scheduler(
      await schedulableNodes(tx, nodes, this.config.NIMBUS_NODE_LEASE_DURATION),
      [await quotaOf(tx, app)],
    );
    for (const instance of pending) {
      const placement = scheduler.place({
        instanceId: instance.id,
        appId: app.id,
        namespaceId: app.namespaceId,
        cpuMillis: instance.cpuMillis,
        memoryMb: instance.memoryMb,
        runtime: app.runtime,
      });
      if (placement.nodeId !== null) {
        await tx.instance.update({
          where: { id: instance.id },
          data: { nodeId: placement.nodeId, reason: null, message: null },
        });
        await bumpVersions(tx, [instance.id]);
        outcome.nodes.add(placement.nodeId);
      } else if (instance.message !== placement.reason) {
        await tx.instance.update({
          where: { id: instance.id },
          data: { reason: 'Unschedulable', message: placement.reason },
        });
        await event(
          tx,
          app,
          'Warning',
          'FailedScheduling',
          `${instance.processType} instance: ${placement.reason}`,
        );
      }
    }
  }
}

function toPlanned(instance: Instance, nodes: Map<string, Node>): PlannedInstance {
  const node = instance.nodeId ? nodes.get(instance.nodeId) : undefined;
  return {
    id: instance.id,
    releaseVersion: instance.releaseVersion,
    available: instance.ready && instance.phase === 'running' && !!node?.ready,
    evicted: instance.evicted,
    createdAt: instance.createdAt,
  };
}

const minimum = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

/** Marks instances changed for their node's watch: their resource versions move past every earlier change. */
export async function bumpVersions(tx: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await tx.$executeRaw`
    UPDATE "Instance" SET "resourceVersion" = nextval(pg_get_serial_sequence('"Instance"', 'resourceVersion'))
    WHERE id = ANY(${ids}::uuid[])`;
}

export async function event(
  tx: Db,
  app: { id: string; tenantId: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  await tx.event.create({ data: { tenantId: app.tenantId, appId: app.id, type, reason, message } });
}

/** Nodes with what is bound to them: requests of live instances, and instances per app for spreading. */
async function schedulableNodes(tx: Db, nodes: Node[], leaseMs: number): Promise<SchedulableNode[]> {
  const bound = await tx.instance.groupBy({
    by: ['nodeId', 'appId'],
    where: { nodeId: { not: null }, desiredState: 'running', phase: { notIn: FINISHED_PHASES } },
    _sum: { cpuMillis: true, memoryMb: true },
    _count: { _all: true },
  });
  const freshSince = Date.now() - leaseMs;
  return nodes.map((node) => {
    const rows = bound.filter((row) => row.nodeId === node.id);
    return {
      id: node.id,
      name: node.name,
      ready: node.ready && node.leaseRenewedAt.getTime() >= freshSince,
      cordoned: node.cordoned,
      labels: node.labels as Record<string, string>,
      runtimes: node.runtimes,
      capacity: { cpuMillis: node.cpuMillis, memoryMb: node.memoryMb },
      allocated: {
        cpuMillis: rows.reduce((sum, row) => sum + (row._sum.cpuMillis ?? 0), 0),
        memoryMb: rows.reduce((sum, row) => sum + (row._sum.memoryMb ?? 0), 0),
      },
      appInstances: Object.fromEntries(rows.map((row) => [row.appId, row._count._all])),
    };
  });
}

/** The namespace's quota and what its placed instances already use. */
async function quotaOf(tx: Db, app: AppWithContext): Promise<NamespaceQuota> {
  const used = await tx.instance.aggregate({
    where: {
      namespaceId: app.namespaceId,
      nodeId: { not: null },
      desiredState: 'running',
      phase: { notIn: FINISHED_PHASES },
    },
    _sum: { cpuMillis: true, memoryMb: true },
    _count: { _all: true },
  });
  return {
    namespaceId: app.namespaceId,
    maxInstances: app.namespace.maxInstances,
    maxMemoryMb: app.namespace.maxMemoryMb,
    maxCpuMillis: app.namespace.maxCpuMillis,
    used: {
      instances: used._count._all,
      memoryMb: used._sum.memoryMb ?? 0,
      cpuMillis: used._sum.cpuMillis ?? 0,
    },
  };
}
