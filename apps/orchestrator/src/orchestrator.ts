import type { Redis } from 'ioredis';
import {
  FINISHED_PHASES,
  demandKey,
  publishWake,
  readDemand,
  readWake,
  wakeSubscriptions,
  type OrchestratorWake,
} from '@nimbus/cluster';
import { AppRepository, NodeInstanceRepository, type DbClient, type SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import type { MetricsStore } from '@nimbus/metrics';
import type { ReleaseCutter } from '@nimbus/releases';
import { AppReconciler } from './reconcilers/app.reconciler';
import { AutoscaleReconciler } from './reconcilers/autoscale.reconciler';
import { AutoscaleScaler, type ScaleChange } from './reconcilers/autoscale-scaler';
import { EndpointsReconciler } from './reconcilers/endpoints.reconciler';
import { NodeReconciler } from './reconcilers/node.reconciler';
import { UsageRecorder } from './usage/usage.recorder';
import { WorkQueue } from './work-queue';
import { LeaderElection, NotLeaderError, type Leadership } from './leader/leader-election';
import type { OrchestratorMetrics } from './metrics';
import type { OrchestratorConfig } from './orchestrator.config';

const NODES = 'nodes';
const COLLECT = 'collect';
const AUTOSCALE = 'autoscale';
const USAGE = 'usage';
/** Work-queue keys: one per app, so an app is never reconciled by two workers at once. */
const APP_KEY = 'app:';
const appKey = (appId: string) => `${APP_KEY}${appId}`;
/** Requests held at zero for an app: taken before anything else. */
const DEMAND_KEY = 'demand:';
const demandQueueKey = (appId: string) => `${DEMAND_KEY}${appId}`;
/** Every node's metrics arrive each second: the autoscaler's sync runs on them at most this often. */
const METRICS_SYNC_GAP_MS = 250;

/**
 * Runs the reconcilers while this process leads: one worker takes keys from the queue (`app:ID`,
 * `demand:ID`, `nodes`, `autoscale`, `usage`, `collect`) and reconciles them one at a time, so the
 * scheduler always sees every placement made before. Keys come from wake-ups (Redis), rechecks
 * the reconcilers ask for, the autoscaler's sync period and a periodic resync of everything.
 */
export class Orchestrator {
  private readonly queue = new WorkQueue();
  private readonly election: LeaderElection;
  private readonly apps: AppReconciler;
  private readonly nodes: NodeReconciler;
  private readonly endpoints: EndpointsReconciler;
  private readonly autoscaler: AutoscaleReconciler;
  private readonly scaler: AutoscaleScaler;
  private readonly usage: UsageRecorder;
  private subscriber: Redis | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private autoscaleTimer: NodeJS.Timeout | null = null;
  private metricsSyncTimer: NodeJS.Timeout | null = null;
  private lastAutoscaleAt = 0;
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
    metricsStore: MetricsStore,
  ) {
    this.autoscaler = new AutoscaleReconciler(system, metricsStore, {
      tolerance: config.NIMBUS_AUTOSCALE_TOLERANCE,
      cpuWindowMs: config.NIMBUS_AUTOSCALE_CPU_WINDOW,
      stableWindowMs: config.NIMBUS_AUTOSCALE_STABLE_WINDOW,
      panicWindowMs: config.NIMBUS_AUTOSCALE_PANIC_WINDOW,
      panicThreshold: config.NIMBUS_AUTOSCALE_PANIC_THRESHOLD,
    });
    this.scaler = new AutoscaleScaler(system);
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
    this.usage = new UsageRecorder(
      system,
      metricsStore,
      (work) => this.election.fenced(work),
      config.NIMBUS_USAGE_INTERVAL,
      logger,
    );
  }

  get leading(): boolean {
    return this.election.current !== null;
  }

  start(): void {
    const subscriber = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    subscriber.on('message', (channel: string, message: string) => {
      const wake = readWake(this.config.NIMBUS_REDIS_PREFIX, channel, message);
      if (wake?.to === 'orchestrator') this.onWake(wake.changed);
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
    const autoscaleTick = () => {
      if (this.leading) this.queue.add(AUTOSCALE);
      if (!this.stopped)
        this.autoscaleTimer = setTimeout(autoscaleTick, this.config.NIMBUS_AUTOSCALE_SYNC_PERIOD);
    };
    this.autoscaleTimer = setTimeout(autoscaleTick, this.config.NIMBUS_AUTOSCALE_SYNC_PERIOD);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    if (this.autoscaleTimer) clearTimeout(this.autoscaleTimer);
    if (this.metricsSyncTimer) clearTimeout(this.metricsSyncTimer);
    this.queue.close();
    await this.worker;
    await this.election.stop();
    this.subscriber?.disconnect();
  }

  private onLeadership(leadership: Leadership | null): void {
    this.metrics.leading(leadership !== null);
    if (leadership) {
      this.endpoints.forget();
      this.autoscaler.forget();
      this.queue.add(USAGE);
      void this.resync();
    }
  }

  private onWake(changed: OrchestratorWake): void {
    if (changed.kind === 'app') this.queue.add(appKey(changed.id));
    else if (changed.kind === 'node') this.queue.add(NODES);
    else if (changed.kind === 'metrics') this.syncOnMetrics();
    else this.queue.addUrgent(demandQueueKey(changed.id));
  }

  /**
   * A load step is seen when its metrics arrive, not up to a sync period later: the sync runs at
   * once, or METRICS_SYNC_GAP_MS after the last one, with at most one waiting.
   */
  private syncOnMetrics(): void {
    if (!this.leading || this.metricsSyncTimer) return;
    const wait = Math.max(0, this.lastAutoscaleAt + METRICS_SYNC_GAP_MS - Date.now());
    this.metricsSyncTimer = setTimeout(() => {
      this.metricsSyncTimer = null;
      this.queue.add(AUTOSCALE);
    }, wait);
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
    if (key === AUTOSCALE) {
      await this.autoscale(now);
      return;
    }
    if (key === USAGE) {
      this.queue.addAfter(USAGE, this.config.NIMBUS_USAGE_INTERVAL);
      await this.usage.record(now);
      return;
    }
    if (key.startsWith(DEMAND_KEY)) {
      await this.answerDemand(key.slice(DEMAND_KEY.length), now);
      return;
    }
    await this.reconcileApp(key.slice(APP_KEY.length), now);
  }

  private async reconcileApp(appId: string, now: Date): Promise<void> {
    const key = appKey(appId);
    const outcome = await this.election.fenced((tx) => this.apps.reconcile(tx, appId, now));
    this.wakeNodes(outcome.nodes);
    if (outcome.recheckInMs !== null) this.queue.addAfter(key, outcome.recheckInMs + 10);
    await this.endpoints.reconcile(this.prisma, appId);
  }

  /** The autoscaler's sync: every change is applied, and its app reconciled right after. */
  private async autoscale(now: Date): Promise<void> {
    this.lastAutoscaleAt = now.getTime();
    const changes = await this.autoscaler.sync(this.prisma, now.getTime());
    for (const change of changes) await this.scale(change, now);
  }

  /**
   * Requests are held for an app at zero: it is scaled and reconciled now, in this turn, so its
   * instance is placed and its node woken without waiting behind other keys.
   */
  private async answerDemand(appId: string, now: Date): Promise<void> {
    const held = readDemand(await this.redis.hvals(demandKey(this.config.NIMBUS_REDIS_PREFIX, appId)));
    const change = await this.autoscaler.wake(this.prisma, appId, held, now.getTime());
    if (change) await this.scale(change, now);
  }

  private async scale(change: ScaleChange, now: Date): Promise<void> {
    const replicas = await this.election.fenced((tx) => this.scaler.apply(tx, change, now));
    if (replicas === null) return;
    this.logger.info(
      {
        appId: change.autoscaler.appId,
        processType: change.autoscaler.processType,
        from: change.formation.replicas,
        to: replicas,
        reason: change.reason,
      },
      'autoscaled',
    );
    // Up: placed in this turn, so the new instances start as soon as possible. Down: queued.
    if (replicas > change.formation.replicas) await this.reconcileApp(change.autoscaler.appId, now);
    else this.queue.add(appKey(change.autoscaler.appId));
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
