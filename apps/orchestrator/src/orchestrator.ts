import type { Redis } from 'ioredis';
import {
  FINISHED_PHASES,
  publishWake,
  readWake,
  wakeSubscriptions,
  type OrchestratorWake,
} from '@nimbus/cluster';
import {
  AppRepository,
  NodeInstanceRepository,
  UsageRepository,
  type DbClient,
  type SystemScope,
} from '@nimbus/db';
import type { TenantKeyring } from '@nimbus/crypto';
import type { Logger } from '@nimbus/logging';
import type { MetricsStore } from '@nimbus/metrics';
import type { ReleaseCutter } from '@nimbus/releases';
import { AppReconciler } from './reconcilers/app.reconciler';
import { CertificateExpiry } from './reconcilers/certificate-expiry';
import { CertificatesPublisher } from './reconcilers/certificates.publisher';
import { UnservedCertificates } from './reconcilers/unserved-certificates';
import { EndpointsReconciler } from './reconcilers/endpoints.reconciler';
import { NodeReconciler } from './reconcilers/node.reconciler';
import { UsageRecorder } from './usage/usage.recorder';
import { Autoscaling } from './autoscaling';
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
  private readonly certificateExpiry: CertificateExpiry;
  /** Only without an edge key, whose absence it reports. */
  private readonly unservedCertificates?: UnservedCertificates;
  private readonly autoscaling: Autoscaling;
  private readonly usage: UsageRecorder;
  private subscriber: Redis | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private autoscaleTimer: NodeJS.Timeout | null = null;
  private usageTimer: NodeJS.Timeout | null = null;
  private worker: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly config: OrchestratorConfig,
    private readonly prisma: DbClient,
    private readonly redis: Redis,
    private readonly metrics: OrchestratorMetrics,
    private readonly logger: Logger,
    releases: ReleaseCutter,
    /** Opens apps' certificate keys, to seal them again for the routers. */
    keyring: TenantKeyring,
    /** The orchestrator's one proof of being the control plane, made at start-up. */
    private readonly system: SystemScope,
    metricsStore: MetricsStore,
  ) {
    this.apps = new AppReconciler(system, config, releases);
    this.nodes = new NodeReconciler(system, config.NIMBUS_NODE_LEASE_DURATION);
    this.endpoints = new EndpointsReconciler(
      system,
      redis,
      config.NIMBUS_REDIS_PREFIX,
      config.NIMBUS_DOMAIN,
      config.NIMBUS_EDGE_KEY
        ? new CertificatesPublisher(
            system,
            redis,
            config.NIMBUS_REDIS_PREFIX,
            keyring,
            config.NIMBUS_EDGE_KEY,
          )
        : undefined,
    );
    this.certificateExpiry = new CertificateExpiry(system);
    if (!config.NIMBUS_EDGE_KEY) this.unservedCertificates = new UnservedCertificates(system);
    this.election = new LeaderElection(
      prisma,
      config.NIMBUS_ORCHESTRATOR_ID,
      config.NIMBUS_LEADER_LEASE,
      logger,
      (leadership) => this.onLeadership(leadership),
    );
    this.autoscaling = new Autoscaling({
      system,
      prisma,
      redis,
      config,
      metricsStore,
      logger,
      fenced: (work) => this.election.fenced(work),
      queueSync: () => this.queue.add(AUTOSCALE),
      formationChanged: async (appId, now, placeNow) => {
        // Queued first: should the reconcile below fail, the app is looked at again all the same.
        this.queue.add(appKey(appId));
        if (placeNow) await this.reconcileApp(appId, now);
      },
    });
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
    if (this.usageTimer) clearTimeout(this.usageTimer);
    this.autoscaling.stop();
    this.queue.close();
    await this.worker;
    await this.election.stop();
    this.subscriber?.disconnect();
  }

  private onLeadership(leadership: Leadership | null): void {
    this.metrics.leading(leadership !== null);
    if (leadership) {
      this.endpoints.forget();
      this.autoscaling.forget();
      this.queue.add(USAGE);
      void this.resync();
    }
  }

  /** One chain of usage runs, however runs fail and leadership comes and goes. */
  private scheduleUsage(): void {
    if (this.usageTimer) clearTimeout(this.usageTimer);
    this.usageTimer = setTimeout(() => this.queue.add(USAGE), this.config.NIMBUS_USAGE_INTERVAL);
    this.usageTimer.unref();
  }

  private onWake(changed: OrchestratorWake): void {
    if (changed.kind === 'app') this.queue.add(appKey(changed.id));
    else if (changed.kind === 'node') this.queue.add(NODES);
    else if (changed.kind === 'metrics') {
      if (this.leading) this.autoscaling.freshMetrics();
    } else this.queue.addUrgent(demandQueueKey(changed.id));
  }

  /**
   * Queues every app that has something to run, requests held at zero, the nodes and the
   * collection of leftovers.
   */
  private async resync(): Promise<void> {
    if (!this.leading) return;
    try {
      this.queue.add(NODES);
      for (const appId of await new AppRepository(this.prisma).listIds(this.system))
        this.queue.add(appKey(appId));
      for (const appId of await this.autoscaling.appsWithDemand())
        this.queue.addUrgent(demandQueueKey(appId));
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
      await this.autoscaling.sync(now);
      return;
    }
    if (key === USAGE) {
      try {
        await this.usage.record(now);
      } finally {
        this.scheduleUsage();
      }
      return;
    }
    if (key.startsWith(DEMAND_KEY)) {
      await this.autoscaling.answerDemand(key.slice(DEMAND_KEY.length), now);
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

  /**
   * Forgets settled instances after their retention (never before usage has counted their time),
   * and endpoints of deleted apps; warns of certificates about to expire, or not served at all.
   */
  private async collect(now: Date): Promise<void> {
    const retained = new Date(now.getTime() - this.config.NIMBUS_INSTANCE_RETENTION);
    await this.election.fenced(async (tx) => {
      const counted = await new UsageRepository(tx).accountedUntil(this.system);
      const before = counted && counted < retained ? counted : retained;
      return new NodeInstanceRepository(tx).deleteSettled(this.system, before, FINISHED_PHASES);
    });
    await this.election.fenced((tx) => this.certificateExpiry.warn(tx, now));
    await this.unservedCertificates?.warn(this.prisma);
    await this.endpoints.collect(this.prisma);
  }

  private wakeNodes(nodes: Set<string>): void {
    for (const nodeId of nodes)
      publishWake(this.redis, this.config.NIMBUS_REDIS_PREFIX, { to: 'node', nodeId }).catch(
        (error: unknown) => this.logger.warn({ err: error, nodeId }, 'node wake-up not sent'),
      );
  }
}
