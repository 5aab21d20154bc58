import type { ChainableCommander } from 'ioredis';
import { recordDemand, wakeChannel, wakeMessage, type Wake } from '@nimbus/cluster';
import type { Logger } from '@nimbus/logging';
import type { DemandReport } from './demand-throttle';

export interface DemandReporterOptions {
  /** A pipeline on a connection the router already has (the endpoint table's commands). */
  pipeline(): ChainableCommander;
  prefix: string;
  /** This router process: each writes its own field of the app's demand hash. */
  routerId: string;
  logger: Logger;
}

/**
 * Writes an app's held count and, when asked, wakes the orchestrator, in one pipeline: the count
 * is in Redis before the wake-up that makes the orchestrator read it.
 */
export class DemandReporter {
  constructor(private readonly options: DemandReporterOptions) {}

  send(appId: string, report: DemandReport): void {
    const { prefix, routerId, logger } = this.options;
    const pipeline = this.options.pipeline();
    recordDemand(pipeline, prefix, appId, routerId, report.held);
    if (report.wake) {
      const wake: Wake = { to: 'orchestrator', changed: { kind: 'demand', id: appId } };
      pipeline.publish(wakeChannel(prefix, wake), wakeMessage(wake));
    }
    // A lost report costs latency, not requests: the next change or refresh writes it again, and
    // the orchestrator reads demand on its own resync.
    pipeline.exec().then(
      (results) => {
        const failed = results?.find(([error]) => error)?.[0];
        if (failed) logger.warn({ appId, err: failed.message }, 'activator: demand not recorded');
      },
      (error: Error) => logger.warn({ appId, err: error.message }, 'activator: demand not recorded'),
    );
  }
}
