import type { InstanceStatus } from '@nimbus/cluster';
import { ControlPlaneError, type ControlPlane } from './control-plane';

/**
 * Instances' statuses on their way to the control plane: each sent as soon as it is reported,
 * since a request held while its app is at zero waits for exactly the news of readiness. Sends
 * never overlap, so an instance's statuses arrive in the order they happened; instances go side by
 * side within a send, and only an instance's latest status is sent. What could not be sent waits
 * for {@link StatusSender.flush}, unless newer news comes first.
 */
export class StatusSender {
  private readonly unsent = new Map<string, InstanceStatus>();
  private sending: Promise<void> = Promise.resolve();
  /** A send is queued that has not started: reports made meanwhile go with it. */
  private queued = false;

  constructor(private readonly controlPlane: Pick<ControlPlane, 'reportStatus'>) {}

  report(instanceId: string, status: InstanceStatus): void {
    this.unsent.set(instanceId, { ...status });
    void this.flush();
  }

  /** Sends what has not been sent, after the send in progress; resolves once it has been tried. */
  flush(): Promise<void> {
    if (!this.queued) {
      this.queued = true;
      this.sending = this.sending.then(() => {
        this.queued = false;
        return this.send();
      });
    }
    return this.sending;
  }

  private async send(): Promise<void> {
    const statuses = [...this.unsent];
    this.unsent.clear();
    await Promise.all(
      statuses.map(async ([id, status]) => {
        try {
          await this.controlPlane.reportStatus(id, status);
        } catch (error) {
          // Gone from the control plane: nothing to tell. Otherwise try again, unless newer news came.
          if (!(error instanceof ControlPlaneError && error.status === 404) && !this.unsent.has(id))
            this.unsent.set(id, status);
        }
      }),
    );
  }
}
