import type { Redis } from 'ioredis';
import { FINISHED_PHASES, decodeWake, nodeWakeChannel, orchestratorWakeChannel } from '@nimbus/cluster';
import type { DbClient } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import { AppController } from './controllers/app-controller';
import { EndpointsController } from './controllers/endpoints';
import { NodeController } from './controllers/node-controller';
import { WorkQueue } from './controllers/work-queue';
import { LeaderElection, NotLeaderError, type Leadership } from './leader/leader-election';
import type { OrchestratorMetrics } from './metrics';
import type { OrchestratorConfig } from './orchestrator.config';

const NODES = 'nodes';
const COLLECT = 'collect';
/** Work-queue keys: one per app, so an app is never reconciled by two workers at once. */
const APP_KEY = 'app:';
const appKey = (appId: string) => `${APP_KEY}${appId}`;

/**
 * Runs the controllers while this process leads: one worker takes keys from the queue (`app:ID`,
 * `nodes`, `collect`) and reconciles them one at a time, so the scheduler always sees every
 * placement made before. Keys come from wake-ups (Redis), rechecks the controllers ask for, and
 * a periodic resync of everything.
 */
export class Orchestrator {
  private readonly queue = new WorkQueue();
  private readonly election: LeaderElection;
  private readonly apps: AppController;
  private readonly nodes: NodeController;
  private readonly endpoints: EndpointsController;
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
  ) {
    this.apps = new AppController(config);
    this.nodes = new NodeController(config.NIMBUS_NODE_LEASE_DURATION);
    this.endpoints = new EndpointsController(redis, config.NIMBUS_REDIS_PREFIX, config.NIMBUS_DOMAIN);
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
    subscriber.on('message', (_channel: string, message: string) => {
      const wake = decodeWake(message);
      if (wake?.kind === 'app') this.queue.add(appKey(wake.id));
      else if (wake?.kind === 'node') this.queue.add(NODES);
    });
    // Wake-ups sent while disconnected are lost: look at everything once reconnected.
    subscriber.on('ready', () => void this.resync());
    subscriber.on('error', (error) => this.logger.warn({ err: error }, 'wake-up subscription error'));
    void subscriber.subscribe(orchestratorWakeChannel(this.config.NIMBUS_REDIS_PREFIX));
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
      const apps = await this.prisma.app.findMany({ select: { id: true } });
      for (const app of apps) this.queue.add(appKey(app.id));
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
      tx.instance.deleteMany({
        where: {
          finishedAt: { lt: before },
          OR: [{ desiredState: 'stopped' }, { kind: 'oneoff' }],
          phase: { in: FINISHED_PHASES },
        },
      }),
    );
    await this.endpoints.collect(this.prisma);
  }

  private wakeNodes(nodes: Set<string>): void {
    for (const nodeId of nodes)
      void this.redis
        .publish(nodeWakeChannel(this.config.NIMBUS_REDIS_PREFIX, nodeId), 'changed')
        .catch((error: unknown) => this.logger.warn({ err: error, nodeId }, 'node wake-up not sent'));
  }
}
