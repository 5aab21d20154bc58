import type { Db } from './prisma-client';

/** One round trip to the database: for start-up checks and health probes. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
