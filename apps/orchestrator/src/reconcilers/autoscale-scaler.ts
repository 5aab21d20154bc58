import {
  AutoscalerRepository,
  EventRepository,
  FormationRepository,
  NamespaceRepository,
  scopeOfRow,
  type AutoscalerWithApp,
  type Db,
  type Formation,
  type SystemScope,
  type TenantScope,
} from '@nimbus/db';
import { replicasWithinQuota, totalResources } from '@nimbus/domain';

/** A change of one process type's replicas the autoscaler decided. */
export interface ScaleChange {
  autoscaler: AutoscalerWithApp;
  /** The formation as read when deciding: the change applies only if it is still so. */
  formation: Formation;
  to: number;
  /** Up or down by the metrics; to zero when idle; from zero on demand. */
  kind: 'up' | 'down' | 'idle' | 'wake';
  /** For the event: "cpu 180% of 70% target on 2 ready → 6". */
  reason: string;
}

const EVENT_REASONS: Record<ScaleChange['kind'], string> = {
  up: 'AutoscaledUp',
  down: 'AutoscaledDown',
  idle: 'ScaledToZero',
  wake: 'ScaledFromZero',
};

/**
 * Applies the autoscaler's changes, each in the leader's fenced transaction: the formation's
 * replicas (only if unchanged since the decision), the autoscaler's state, and an event with the
 * inputs and reason. The namespace's quota caps a scale up, with a warning event once per cap.
 */
export class AutoscaleScaler {
  /** Types whose last scale up the quota cut, so that the warning is not repeated every sync. */
  private readonly capped = new Set<string>();

  constructor(private readonly system: SystemScope) {}

  /** A new leader warns afresh of a quota that caps a type. */
  forget(): void {
    this.capped.clear();
  }

  /** Returns the replicas set, or null when nothing changed. */
  async apply(tx: Db, change: ScaleChange, now: Date): Promise<number | null> {
    const { autoscaler, formation } = change;
    const scope = scopeOfRow(this.system, autoscaler);
    const key = autoscaler.id;
    let to = change.to;
    let reason = change.reason;
    if (to > formation.replicas) {
      const fit = await this.roomInQuota(tx, scope, autoscaler, formation);
      if (to > fit) {
        const allowed = Math.max(formation.replicas, fit);
        if (!this.capped.has(key)) {
          this.capped.add(key);
          await new EventRepository(tx).recordForApp(scope, autoscaler.appId, {
            type: 'Warning',
            reason: 'AutoscaleLimitedByQuota',
            message: `${autoscaler.processType} wanted ${to} instances (${change.reason}); namespace ${autoscaler.app.namespace.name}'s quota allows ${allowed}`,
          });
        }
        if (allowed === formation.replicas) return null;
        to = allowed;
        reason = `${reason}, capped at ${allowed} by the namespace quota`;
      } else this.capped.delete(key);
    }
    const formations = new FormationRepository(tx);
    const set = await formations.setReplicasIf(
      scope,
      autoscaler.appId,
      autoscaler.processType,
      formation.replicas,
      to,
    );
    if (!set) return null; // changed since it was read: the next sync decides again
    const autoscalers = new AutoscalerRepository(tx);
    if (to === 0) await autoscalers.markScaledToZero(scope, autoscaler.id, now);
    else {
      if (formation.replicas === 0) await autoscalers.clearScaledToZero(scope, autoscaler.id);
      await autoscalers.recordScale(scope, autoscaler.id, now);
    }
    await new EventRepository(tx).recordForApp(scope, autoscaler.appId, {
      type: 'Normal',
      reason: EVENT_REASONS[change.kind],
      message: `${autoscaler.processType} ${formation.replicas} → ${to}: ${reason}`,
    });
    return to;
  }

  /** The most instances of this type the namespace's quota allows beside its other formations. */
  private async roomInQuota(
    tx: Db,
    scope: TenantScope,
    autoscaler: AutoscalerWithApp,
    formation: Formation,
  ): Promise<number> {
    const namespace = await new NamespaceRepository(tx).findById(scope, autoscaler.app.namespace.id);
    if (!namespace) return 0;
    const others = (await new FormationRepository(tx).listInNamespace(scope, namespace.id)).filter(
      (f) => f.id !== formation.id,
    );
    return replicasWithinQuota(totalResources(others), formation, namespace);
  }
}
