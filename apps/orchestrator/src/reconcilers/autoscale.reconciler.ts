import {
  FINISHED_PHASES,
  decideReplicas,
  resolveBehavior,
  type AutoscaleHistory,
  type BehaviorOverrides,
} from '@nimbus/cluster';
import {
  AutoscalerRepository,
  FormationRepository,
  type AutoscalerWithApp,
  type Db,
  type Formation,
  type SystemScope,
} from '@nimbus/db';
import type { MetricsStore } from '@nimbus/metrics';
import {
  idleFor,
  NO_HISTORY,
  observationsAtZero,
  observationsOf,
  replicasForDemand,
  targetsOf,
  type ServingInstance,
} from './autoscale-inputs';
import type { ScaleChange } from './autoscale-scaler';

export interface AutoscaleSettings {
  tolerance: number;
  cpuWindowMs: number;
  stableWindowMs: number;
  panicWindowMs: number;
  panicThreshold: number;
}

const keyOf = (appId: string, processType: string) => `${appId}:${processType}`;

/**
 * The horizontal autoscaler (Kubernetes' HPA, Knative's panic mode and scale to zero): reads
 * every autoscaled process type, its instances and its metrics in a few queries, asks
 * `decideReplicas` (pure, `@nimbus/cluster`) for each, and returns the changes; `AutoscaleScaler`
 * applies them in the leader's fenced transaction. The recommendations the stabilization windows
 * need are kept here, in memory, as Kubernetes' controller keeps them.
 */
export class AutoscaleReconciler {
  private histories = new Map<string, AutoscaleHistory>();

  constructor(
    private readonly system: SystemScope,
    private readonly metrics: MetricsStore,
    private readonly settings: AutoscaleSettings,
  ) {}

  /** After a change of leader: what was remembered may be stale, so it starts afresh. */
  forget(): void {
    this.histories.clear();
  }

  /**
   * What the scaler made of a change decided at `now`: `replicas` set, or null when nothing was.
   * Kubernetes records a scale event only once the rescale succeeded, with the count it set, so
   * that the rate policies count what happened, not what was asked (a quota cap, a lost race).
   */
  applied(change: ScaleChange, replicas: number | null, now: number): void {
    const key = keyOf(change.autoscaler.appId, change.autoscaler.processType);
    const history = this.histories.get(key);
    if (!history) return;
    const events = history.events.filter((event) => event.at !== now);
    const moved = replicas === null ? 0 : replicas - change.formation.replicas;
    if (moved !== 0) events.push({ at: now, change: moved });
    this.histories.set(key, { ...history, events });
  }

  /** One sync over every autoscaled process type: the changes to make. */
  async sync(db: Db, now: number): Promise<ScaleChange[]> {
    const autoscalers = await new AutoscalerRepository(db).listAll(this.system);
    const live = new Set(autoscalers.map((a) => keyOf(a.appId, a.processType)));
    for (const key of this.histories.keys()) if (!live.has(key)) this.histories.delete(key);
    return this.decide(db, autoscalers, now);
  }

  /**
   * Requests are held for the app at zero (`held` of them, across routers): its `web` is raised
   * at once to what they need, without waiting for the next sync or for any window.
   */
  async wake(db: Db, appId: string, held: number, now: number): Promise<ScaleChange | null> {
    if (held <= 0) return null;
    const autoscaler = await new AutoscalerRepository(db).findWithApp(this.system, appId, 'web');
    if (!autoscaler) return null;
    const formation = (await new FormationRepository(db).listOfApps(this.system, [appId])).find(
      (f) => f.processType === 'web',
    );
    if (!formation) return null;
    const to = replicasForDemand(autoscaler, held);
    if (to <= formation.replicas) return null;
    // Remembered as a recommendation, so the scale-down window keeps what the burst needed.
    const key = keyOf(appId, 'web');
    const history = this.histories.get(key) ?? NO_HISTORY;
    this.histories.set(key, {
      ...history,
      recommendations: [...history.recommendations, { at: now, replicas: to }],
    });
    const perInstance = autoscaler.targetConcurrency ?? 'default';
    return {
      autoscaler,
      formation,
      to,
      kind: 'wake',
      reason: `${held} request${held === 1 ? '' : 's'} held at zero (concurrency target ${perInstance}) → ${to}`,
    };
  }

  private async decide(db: Db, autoscalers: AutoscalerWithApp[], now: number): Promise<ScaleChange[]> {
    if (!autoscalers.length) return [];
    const appIds = [...new Set(autoscalers.map((a) => a.appId))];
    const [formations, instances] = await Promise.all([
      new FormationRepository(db).listOfApps(this.system, appIds),
      new AutoscalerRepository(db).listCountedInstances(this.system, appIds, FINISHED_PHASES),
    ]);
    const formationOf = new Map(formations.map((f) => [keyOf(f.appId, f.processType), f]));
    const instancesOf = groupBy(instances, (i) => keyOf(i.appId, i.processType));
    const { cpuWindowMs, stableWindowMs, panicWindowMs } = this.settings;
    const [observed, activity] = await Promise.all([
      this.metrics.observe(
        autoscalers.map((a) => ({
          appId: a.appId,
          processType: a.processType,
          instanceIds: (instancesOf.get(keyOf(a.appId, a.processType)) ?? []).map((i) => i.id),
        })),
        now,
        { cpuMs: cpuWindowMs, stableMs: stableWindowMs, panicMs: panicWindowMs },
      ),
      this.metrics.lastActivity(autoscalers.filter((a) => a.minReplicas === 0).map((a) => a.appId)),
    ]);
    const changes: ScaleChange[] = [];
    for (const autoscaler of autoscalers) {
      const key = keyOf(autoscaler.appId, autoscaler.processType);
      const formation = formationOf.get(key);
      if (!formation) continue; // the type left the release; its formation went with it
      const change = this.decideOne(
        autoscaler,
        formation,
        instancesOf.get(key) ?? [],
        observed.get(key),
        activity.get(autoscaler.appId) ?? null,
        now,
      );
      if (change) changes.push(change);
    }
    return changes;
  }

  private decideOne(
    autoscaler: AutoscalerWithApp,
    formation: Formation,
    instances: ServingInstance[],
    observed: Parameters<typeof observationsOf>[1],
    lastActivity: number | null,
    now: number,
  ): ScaleChange | null {
    const key = keyOf(autoscaler.appId, autoscaler.processType);
    const current = formation.replicas;
    const observations = observationsOf(instances, observed, now, this.settings.cpuWindowMs);
    const decision = decideReplicas({
      now,
      currentReplicas: current,
      readyReplicas: instances.filter((i) => i.ready).length,
      minReplicas: autoscaler.minReplicas,
      maxReplicas: autoscaler.maxReplicas,
      targets: targetsOf(autoscaler),
      observed: current === 0 ? observationsAtZero(autoscaler, lastActivity, observations) : observations,
      behavior: resolveBehavior(autoscaler.behavior as BehaviorOverrides),
      history: this.histories.get(key) ?? NO_HISTORY,
      tolerance: this.settings.tolerance,
      panicThreshold: this.settings.panicThreshold,
      panicHoldMs: this.settings.stableWindowMs,
    });
    this.histories.set(key, decision.history);
    const idle = idleFor({
      now,
      autoscaler,
      currentReplicas: current,
      lastActivity,
      routersReporting: observed?.concurrencyStable != null,
    });
    if (idle !== null && decision.replicas <= current) {
      const seconds = Math.round(idle / 1000);
      return {
        autoscaler,
        formation,
        to: 0,
        kind: 'idle',
        reason: `${autoscaler.processType} idle for ${seconds} s (no request; idle timeout ${Math.round(autoscaler.idleTimeoutMs / 1000)} s) → 0`,
      };
    }
    if (decision.replicas === current) return null;
    return {
      autoscaler,
      formation,
      to: decision.replicas,
      kind: current === 0 ? 'wake' : decision.replicas > current ? 'up' : 'down',
      reason: decision.reason,
    };
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
