import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@nimbus/logging';

const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that lived this long is healthy again: its next crash restarts it at once. */
const STABLE_AFTER_MS = 30_000;

/**
 * Runs `count` copies of this process sharing one port (Node's cluster module), so one machine's
 * cores all serve requests; a crashed worker is replaced with back-off. SIGTERM or SIGINT stops the
 * workers gracefully and exits once they all have. Call it in the cluster primary only.
 *
 * @param name the service, in the supervisor's log lines (`gateway`, `router`)
 */
export function superviseWorkers(count: number, logger: Logger, name: string): void {
  let stopping = false;
  const delays = new Map<number, number>();

  const start = (slot: number): void => {
    const worker = cluster.fork();
    const startedAt = Date.now();
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const delay =
        Date.now() - startedAt > STABLE_AFTER_MS ? 0 : (delays.get(slot) ?? FIRST_RESTART_DELAY_MS);
      delays.set(slot, Math.min(Math.max(delay * 2, FIRST_RESTART_DELAY_MS), MAX_RESTART_DELAY_MS));
      logger.error(
        { slot, pid: worker.process.pid, code, signal, restartInMs: delay },
        `${name} worker exited`,
      );
      setTimeout(() => start(slot), delay).unref();
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `stopping ${name} workers`);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let running = workers.length;
    if (running === 0) process.exit(0);
    for (const worker of workers) {
      worker.on('exit', () => --running === 0 && process.exit(0));
      worker.process.kill('SIGTERM');
    }
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let slot = 0; slot < count; slot++) start(slot);
  logger.info({ workers: count }, `${name} workers started`);
}
