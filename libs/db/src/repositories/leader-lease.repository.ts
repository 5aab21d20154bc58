import type { Db } from '../prisma-client';

/**
 * Leases on a Postgres row with a fencing epoch (the orchestrators' leader election). `epoch`
 * grows with every change of holder, so a deposed holder's fenced writes can be refused.
 */
export class LeaderLeaseRepository {
  constructor(private readonly db: Db) {}

  /**
   * Takes or renews lease `name` for `holder` when it is free, ours, or not renewed for `leaseMs`.
   * Returns the epoch we hold it with, or null when another holder has it.
   */
  async acquire(name: string, holder: string, leaseMs: number): Promise<bigint | null> {
    const rows = await this.db.$queryRaw<{ epoch: bigint }[]>`
        INSERT INTO "LeaderLease" (name, holder, epoch, "renewedAt")
        VALUES (${name}, ${holder}, 1, now())
        ON CONFLICT (name) DO UPDATE SET
          epoch = "LeaderLease".epoch + CASE WHEN "LeaderLease".holder = EXCLUDED.holder THEN 0 ELSE 1 END,
          holder = EXCLUDED.holder,
          "renewedAt" = now()
        WHERE "LeaderLease".holder = EXCLUDED.holder
           OR "LeaderLease"."renewedAt" < now() - make_interval(secs => ${leaseMs / 1000})
        RETURNING epoch`;
    return rows[0]?.epoch ?? null;
  }

  /**
   * Whether `holder` still holds the lease with `epoch`; inside a transaction the row is
   * share-locked until it ends, so no successor can take the lease while the transaction writes.
   */
  async holds(name: string, holder: string, epoch: bigint): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ epoch: bigint }[]>`
          SELECT epoch FROM "LeaderLease"
          WHERE name = ${name} AND holder = ${holder} AND epoch = ${epoch}
          FOR SHARE`;
    return rows.length > 0;
  }

  /** Hands the lease over at once: it looks expired to every other candidate. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.leaderLease.updateMany({
      where: { name, holder },
      data: { renewedAt: new Date(0) },
    });
  }
}
