import type { Redis } from 'ioredis';
import { demandKey, readDemand } from '@nimbus/cluster';
import type { Db, DbClient, SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import type { MetricsStore } from '@nimbus/metrics';
import { AutoscaleReconciler } from './reconcilers/autoscale.reconciler';
import { AutoscaleScaler, type ScaleChange } from './reconcilers/autoscale-scaler';
import type { OrchestratorConfig } from './orchestrator.config';

/** Every node's metrics arrive each second: the sync runs on them at most this often. */
const METRICS_SYNC_GAP_MS = 250;

export interface AutoscalingOptions {
  system: SystemScope;
  prisma: DbClient;
  redis: Redis;
  config: OrchestratorConfig;
  metricsStore: MetricsStore;
  logger: Logger;
  /** Runs `work` in a transaction that commits only while this process leads. */
  fenced<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /** Queues a sync on the orchestrator's work queue, behind what is there. */
  queueSync(): void;
  /**
   * An app's formation changed: its reconcile is queued, and with `placeNow` also run at once
   * (new instances are placed in this turn, without waiting behind other keys).
   */
  formationChanged(appId: string, now: Date, placeNow: boolean): Promise<void>;
}

/**
 * The orchestrator's autoscaling: the sync over every autoscaled type (each sync period, and when
 * fresh metrics arrive), requests held at zero, and applying what either decides.
 */
export class Autoscaling {
  private readonly reconciler: AutoscaleReconciler;
  private readonly scaler: AutoscaleScaler;
  private metricsSyncTimer: NodeJS.Timeout | null = null;
  private lastSyncAt = 0;

  constructor(private readonly options: AutoscalingOptions) {
    const { config } = options;
    this.reconciler = new AutoscaleReconciler(options.system, options.metricsStore, {
      tolerance: config.NIMBUS_AUTOSCALE_TOLERANCE,
      cpuWindowMs: config.NIMBUS_AUTOSCALE_CPU_WINDOW,
      stableWindowMs: config.NIMBUS_AUTOSCALE_STABLE_WINDOW,
      panicWindowMs: config.NIMBUS_AUTOSCALE_PANIC_WINDOW,
      panicThreshold: config.NIMBUS_AUTOSCALE_PANIC_THRESHOLD,
    });
    this.scaler = new AutoscaleScaler(options.system);
  }

  /** A change of leader: histories, the throttle and quota warnings start afresh. */
  forget(): void {
    this.reconciler.forget();
    this.scaler.forget();
    this.stop();
    this.lastSyncAt = 0;
  }

  stop(): void {
    if (this.metricsSyncTimer) clearTimeout(this.metricsSyncTimer);
    this.metricsSyncTimer = null;
  }

  /**
   * A load step is seen when its metrics arrive, not up to a sync period later: the sync is
   * queued at once, or METRICS_SYNC_GAP_MS after the last one, with at most one waiting.
   */
  freshMetrics(): void {
    if (this.metricsSyncTimer) return;
    const wait = Math.max(0, this.lastSyncAt + METRICS_SYNC_GAP_MS - Date.now());
    this.metricsSyncTimer = setTimeout(() => {
      this.metricsSyncTimer = null;
      this.options.queueSync();
    }, wait);
  }

  async sync(now: Date): Promise<void> {
    this.lastSyncAt = now.getTime();
    const changes = await this.reconciler.sync(this.options.prisma, now.getTime());
    for (const change of changes) await this.apply(change, now);
  }

  /** Requests are held for an app at zero: it is raised to what they need, in this turn. */
  async answerDemand(appId: string, now: Date): Promise<void> {
    const { redis, config, prisma } = this.options;
    const held = readDemand(await redis.hvals(demandKey(config.NIMBUS_REDIS_PREFIX, appId)));
    const change = await this.reconciler.wake(prisma, appId, held, now.getTime());
    if (change) await this.apply(change, now);
  }

  /**
   * Apps for which routers hold requests now. A `demand` wake-up lost (Redis reconnecting, a
   * change of leader) would leave them held until the routers give up: the resync finds them.
   */
  async appsWithDemand(): Promise<string[]> {
    const prefix = demandKey(this.options.config.NIMBUS_REDIS_PREFIX, '');
    const appIds: string[] = [];
    for await (const keys of this.options.redis.scanStream({ match: `${prefix}*`, count: 500 }))
      for (const key of keys as string[]) appIds.push(key.slice(prefix.length));
    return appIds;
  }

  private async apply(change: ScaleChange, now: Date): Promise<void> {
    let replicas: number | null = null;
    try {
      replicas = await this.options.fenced((tx) => this.scaler.apply(tx, change, now));
    } finally {
      this.reconciler.applied(change, replicas, now.getTime());
    }
    if (replicas === null) return;
    this.options.logger.info(
      {
        appId: change.autoscaler.appId,
        processType: change.autoscaler.processType,
        from: change.formation.replicas,
        to: replicas,
        reason: change.reason,
      },
      'autoscaled',
    );
    await this.options.formationChanged(change.autoscaler.appId, now, replicas > change.formation.replicas);
  }
}
