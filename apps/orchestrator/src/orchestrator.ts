import type { Redis } from 'ioredis';
import { FINISHED_PHASES, publishWake, readWake, wakeSubscriptions } from '@nimbus/cluster';
import { AppRepository, NodeInstanceRepository, type DbClient, type SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import type { ReleaseCutter } from '@nimbus/releases';
import { AppReconciler } from './reconcilers/app.reconciler';
import { EndpointsReconciler } from './reconcilers/endpoints.reconciler';
import { NodeReconciler } from './reconcilers/node.reconciler';
import { WorkQueue } from './work-queue';
import { LeaderElection, NotLeaderError, type Leadership } from './leader/leader-election';
import type { OrchestratorMetrics } from './metrics';
import type { OrchestratorConfig } from './orchestrator.config';

const NODES = 'nodes';
const COLLECT = 'collect';
/** Work-queue keys: one per app, so an app is never reconciled by two workers at once. */
const APP_KEY = 'app:';
const appKey = (appId: string) => `${APP_KEY}${appId}`;

/**
 * Runs the reconcilers while this process leads: one worker takes keys from the queue (`app:ID`,
 * `nodes`, `collect`) and reconciles them one at a time, so the scheduler always sees every
 * placement made before. Keys come from wake-ups (Redis), rechecks the reconcilers ask for, and
 * a periodic resync of everything.
 */
export class Orchestrator {
  private readonly queue = new WorkQueue();
  private readonly election: LeaderElection;
  private readonly apps: AppReconciler;
  private readonly nodes: NodeReconciler;
  private readonly endpoints: EndpointsReconciler;
  private subscriber: Redis | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private worker: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly config: OrchestratorConfig,
    private readonly prisma: DbClient,
    private readonly redis: Redis,
    private readonly metrics: OrchestratorMetrics,
    private readonly logger: Logger,
    releases: ReleaseCutter,
    /** The orchestrator's one proof of being the control plane, made at start-up. */
    private readonly system: SystemScope,
  ) {
    this.apps = new AppReconciler(system, config, releases);
    this.nodes = new NodeReconciler(system, config.NIMBUS_NODE_LEASE_DURATION);
    this.endpoints = new EndpointsReconciler(system, redis, config.NIMBUS_REDIS_PREFIX, config.NIMBUS_DOMAIN);
    this.election = new LeaderElection(
      prisma,
      config.NIMBUS_ORCHESTRATOR_ID,
      config.NIMBUS_LEADER_LEASE,
      logger,
      (leadership) => this.onLeadership(leadership),
    );
  }

  get leading(): boolean {
    return this.election.current !== null;
  }

  start(): void {
    const subscriber = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    subscriber.on('message', (channel: string, message: string) => {
      const wake = readWake(this.config.NIMBUS_REDIS_PREFIX, channel, message);
      if (wake?.to !== 'orchestrator') return;
      this.queue.add(wake.changed.kind === 'app' ? appKey(wake.changed.id) : NODES);
    });
    // Wake-ups sent while disconnected are lost: look at everything once reconnected.
    subscriber.on('ready', () => void this.resync());
    subscriber.on('error', (error) => this.logger.warn({ err: error }, 'wake-up subscription error'));
    void subscriber.subscribe(wakeSubscriptions.orchestrator(this.config.NIMBUS_REDIS_PREFIX));
    this.subscriber = subscriber;
    this.election.start();
    this.worker = this.work();
    const tick = () => {
      void this.resync().finally(() => {
        if (!this.stopped) this.resyncTimer = setTimeout(tick, this.config.NIMBUS_RESYNC);
      });
    };
    this.resyncTimer = setTimeout(tick, this.config.NIMBUS_RESYNC);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.queue.close();
    await this.worker;
    await this.election.stop();
    this.subscriber?.disconnect();
  }

  private onLeadership(leadership: Leadership | null): void {
    this.metrics.leading(leadership !== null);
    if (leadership) {
      this.endpoints.forget();
      void this.resync();
    }
  }

  /** Queues every app that has something to run, the nodes and the collection of leftovers. */
  private async resync(): Promise<void> {
    if (!this.leading) return;
    try {
      this.queue.add(NODES);
      for (const appId of await new AppRepository(this.prisma).listIds(this.system))
        this.queue.add(appKey(appId));
      this.queue.add(COLLECT);
    } catch (error) {
      this.logger.warn({ err: error }, 'resync failed');
    }
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.take(); key !== null; key = await this.queue.take()) {
      if (!this.leading) continue;
      const started = performance.now();
      try {
        await this.reconcile(key);
        this.metrics.reconciled(key.split(':')[0] as string, performance.now() - started, 'ok');
      } catch (error) {
        if (error instanceof NotLeaderError) continue;
        this.metrics.reconciled(key.split(':')[0] as string, performance.now() - started, 'error');
        this.logger.error({ err: error, key }, 'reconcile failed; retrying shortly');
        this.queue.addAfter(key, 1000);
      }
    }
  }

  private async reconcile(key: string): Promise<void> {
    const now = new Date();
    if (key === NODES) {
      const outcome = await this.election.fenced((tx) => this.nodes.reconcile(tx, now));
      for (const appId of outcome.apps) this.queue.add(appKey(appId));
      this.wakeNodes(outcome.nodes);
      return;
    }
    if (key === COLLECT) {
      await this.collect(now);
      return;
    }
    const appId = key.slice(APP_KEY.length);
    const outcome = await this.election.fenced((tx) => this.apps.reconcile(tx, appId, now));
    this.wakeNodes(outcome.nodes);
    if (outcome.recheckInMs !== null) this.queue.addAfter(key, outcome.recheckInMs + 10);
    await this.endpoints.reconcile(this.prisma, appId);
  }

  /** Forgets settled instances after their retention, and endpoints of deleted apps. */
  private async collect(now: Date): Promise<void> {
    const before = new Date(now.getTime() - this.config.NIMBUS_INSTANCE_RETENTION);
    await this.election.fenced((tx) =>
      new NodeInstanceRepository(tx).deleteSettled(this.system, before, FINISHED_PHASES),
    );
    await this.endpoints.collect(this.prisma);
  }

  private wakeNodes(nodes: Set<string>): void {
    for (const nodeId of nodes)
      publishWake(this.redis, this.config.NIMBUS_REDIS_PREFIX, { to: 'node', nodeId }).catch(
        (error: unknown) => this.logger.warn({ err: error, nodeId }, 'node wake-up not sent'),
      );
  }
}
