import type { InstancePhase, InstanceStatus } from '@nimbus/cluster';

/** An instance's status as last reported, and the reporting of its changes. */
export class InstanceStatusTracker {
  current: InstanceStatus = {
    phase: 'starting',
    ready: false,
    restarts: 0,
    exitCode: null,
    reason: null,
    message: null,
    lastFailure: null,
    port: null,
    usage: null,
  };

  constructor(private readonly report: (status: InstanceStatus) => void) {}

  /** Updates the status and reports it when it changed (usage alone is reported when asked). */
  set(change: Partial<InstanceStatus> & { phase?: InstancePhase }, force = false): void {
    const next = { ...this.current, ...change };
    const changed =
      JSON.stringify({ ...next, usage: null }) !== JSON.stringify({ ...this.current, usage: null });
    this.current = next;
    if (changed || force) this.report(this.current);
  }
}
