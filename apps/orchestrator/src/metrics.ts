import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What /metrics tells about this orchestrator. */
export class OrchestratorMetrics {
  readonly registry = new Registry();
  private readonly leader = new Gauge({
    name: 'nimbus_orchestrator_leader',
    help: '1 while this orchestrator leads',
    registers: [this.registry],
  });
  private readonly reconcile = new Histogram({
    name: 'nimbus_reconcile_duration_seconds',
    help: 'Reconciles by reconciler and outcome',
    // The label keeps its first name: dashboards and alerts already select on it.
    labelNames: ['controller', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  leading(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  reconciled(reconciler: string, elapsedMs: number, outcome: 'ok' | 'error'): void {
    this.reconcile.observe({ controller: reconciler, outcome }, elapsedMs / 1000);
  }
}
