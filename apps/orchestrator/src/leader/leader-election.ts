import { LeaderLeaseRepository, type Db, type DbClient } from '@nimbus/db';
import type { Logger } from '@nimbus/logging';

const LEASE_NAME = 'orchestrator';

/** Thrown inside a fenced transaction when this process no longer leads: the transaction rolls back. */
export class NotLeaderError extends Error {
  constructor() {
    super('no longer the leader');
  }
}

export interface Leadership {
  epoch: bigint;
}

/**
 * Leader election on a Postgres row with a fencing epoch. The leader renews the row; whoever
 * finds it stale takes it and bumps the epoch. Every reconciler write runs in a transaction that
 * first checks (and share-locks) the row for our holder and epoch, so a leader that was paused
 * and replaced cannot write a single row after its successor started.
 */
export class LeaderElection {
  private leadership: Leadership | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: DbClient,
    private readonly holder: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly onChange: (leadership: Leadership | null) => void,
  ) {}

  get current(): Leadership | null {
    return this.leadership;
  }

  start(): void {
    const tick = () => {
      void this.tryAcquire().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.leaseMs / 4);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops renewing, and hands the lease over at once if we hold it. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.leadership) {
      await new LeaderLeaseRepository(this.prisma).release(LEASE_NAME, this.holder).catch(() => undefined);
      this.change(null);
    }
  }

  /** Runs `work` in a transaction that commits only while we still lead with the same epoch. */
  async fenced<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    const leadership = this.leadership;
    if (!leadership) throw new NotLeaderError();
    return this.prisma.$transaction(
      async (tx) => {
        if (!(await new LeaderLeaseRepository(tx).holds(LEASE_NAME, this.holder, leadership.epoch)))
          throw new NotLeaderError();
        return work(tx);
      },
      { timeout: 30_000 },
    );
  }

  private async tryAcquire(): Promise<void> {
    try {
      const epoch = await new LeaderLeaseRepository(this.prisma).acquire(
        LEASE_NAME,
        this.holder,
        this.leaseMs,
      );
      if (epoch === null) this.change(null);
      else if (this.leadership?.epoch !== epoch) this.change({ epoch });
    } catch (error) {
      // Unable to renew means unable to know: stop leading rather than risk two leaders.
      this.logger.warn({ err: error }, 'leader lease renewal failed');
      this.change(null);
    }
  }

  private change(leadership: Leadership | null): void {
    const was = this.leadership;
    this.leadership = leadership;
    if ((was === null) !== (leadership === null) || was?.epoch !== leadership?.epoch) {
      this.logger.info(
        { leader: leadership !== null, epoch: leadership?.epoch.toString() },
        leadership ? 'leading' : 'standing by',
      );
      this.onChange(leadership);
    }
  }
}
