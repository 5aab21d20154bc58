import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient, type Prisma } from './generated/prisma/client';

export type DbClient = PrismaClient;
export type DatabasePool = Pool;
/** Either the client or an interactive transaction: repositories accept both. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface PrismaClientOptions {
  /** Connections in the pool; the pg default of 10 suits one process on a small machine. */
  poolSize?: number;
}

/**
 * node-postgres' pool, for a process that also sends queries of its own (prepared statements)
 * beside Prisma's: given to {@link createPrismaClient}, both share its connections. Its owner ends it.
 */
export function createDatabasePool(databaseUrl: string, { poolSize = 10 }: PrismaClientOptions = {}): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection that breaks (the database restarting) is dropped by the pool and the next
  // query opens another; unheard, pg's 'error' would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Prisma's Rust-free client over node-postgres (no engine binary to download or ship), on a pool
 * of its own or on `database`, a pool from {@link createDatabasePool}.
 */
export function createPrismaClient(
  database: string | Pool,
  { poolSize = 10 }: PrismaClientOptions = {},
): DbClient {
  const adapter = new PrismaPg(
    typeof database === 'string' ? { connectionString: database, max: poolSize } : database,
  );
  // 'minimal' skips capturing a call-site stack for every query, which costs on hot paths.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}
