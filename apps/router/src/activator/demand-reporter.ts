import type { ChainableCommander } from 'ioredis';
import { recordDemand, wakeChannel, wakeMessage, type Wake } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import type { DemandReport } from './demand-throttle';

export interface DemandReporterOptions {
  /** A pipeline on a connection the router already has (the endpoint table's commands). */
  pipeline(): ChainableCommander;
  /** Whether that connection is up: until it is, what it is given waits in its offline queue. */
  connected(): boolean;
  prefix: string;
  /** This router process: each writes its own field of the app's demand hash. */
  routerId: string;
  logger: Logger;
}

/**
 * Writes an app's held count and, when asked, wakes the orchestrator, in one pipeline: the count
 * is in Redis before the wake-up that makes the orchestrator read it.
 *
 * A lost report costs latency, not requests: the activator writes held counts again every few
 * seconds, and the orchestrator also looks for demand on its periodic resync. So nothing is sent
 * while Redis is away: queued, every change of an outage would reach Redis at once when it is
 * back, a burst of stale counts and wake-ups. A wake-up not sent is sent with the app's next write
 * instead, so the first one after the outage still starts the app.
 */
export class DemandReporter {
  /** Apps whose wake-up was skipped or failed, while they still hold requests. */
  private readonly unsentWakes = new Set<string>();
  private skipping = false;

  constructor(private readonly options: DemandReporterOptions) {}

  send(appId: string, report: DemandReport): void {
    const { prefix, routerId, logger } = this.options;
    const wakes = report.held > 0 && (report.wake || this.unsentWakes.has(appId));
    if (!this.options.connected()) {
      if (wakes) this.unsentWakes.add(appId);
      else this.unsentWakes.delete(appId);
      // Once per outage: the endpoint table already warns about the connection itself.
      if (!this.skipping) logger.debug({ appId }, 'activator: redis not connected, demand not sent');
      this.skipping = true;
      return;
    }
    this.skipping = false;
    this.unsentWakes.delete(appId);
    const pipeline = this.options.pipeline();
    recordDemand(pipeline, prefix, appId, routerId, report.held);
    if (wakes) {
      const wake: Wake = { to: 'orchestrator', changed: { kind: 'demand', id: appId } };
      pipeline.publish(wakeChannel(prefix, wake), wakeMessage(wake));
    }
    const failed = (err: string) => {
      if (wakes) this.unsentWakes.add(appId);
      logger.warn({ appId, err }, 'activator: demand not recorded');
    };
    pipeline.exec().then(
      (results) => {
        const error = results?.find(([commandError]) => commandError)?.[0];
        if (error) failed(error.message);
      },
      (error: Error) => failed(error.message),
    );
  }
}
