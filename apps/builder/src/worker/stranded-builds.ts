import type { Queue } from 'bullmq';
import { BuildRepository, type DbClient, type SystemScope } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import type { BuildJob } from '@nimbus/queue';

/**
 * The level-triggered half of the build queue: Postgres says which builds should be running,
 * and any that no builder holds (queued before a Redis loss, or held by a builder that died) get
 * a fresh wake-up. One wake-up per build and attempt, so a slow queue is not flooded.
 */
export class StrandedBuilds {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: DbClient,
    private readonly system: SystemScope,
    private readonly queue: Queue<BuildJob>,
    private readonly staleAfterMs: number,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = () => {
      this.resync()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'build resync failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async resync(): Promise<number> {
    const now = Date.now();
    const stranded = await new BuildRepository(this.prisma).stranded(
      this.system,
      new Date(now - this.staleAfterMs),
      new Date(now - this.staleAfterMs),
    );
    for (const build of stranded) {
      await this.queue.add('build', { buildId: build.id }, { jobId: `${build.id}-${build.attempts}` });
    }
    if (stranded.length)
      this.logger.info({ builds: stranded.map((build) => build.id) }, 'woke stranded builds');
    return stranded.length;
  }
}
