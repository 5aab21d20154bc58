import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from './generated/prisma/client';

export type DbClient = PrismaClient;
/** Either the client or an interactive transaction: repositories accept both. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface PrismaClientOptions {
  /** Connections in the pool; the pg default of 10 suits one process on a small machine. */
  poolSize?: number;
}

/** Prisma's Rust-free client over node-postgres (no engine binary to download or ship). */
export function createPrismaClient(
  databaseUrl: string,
  { poolSize = 10 }: PrismaClientOptions = {},
): DbClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  // 'minimal' skips capturing a call-site stack for every query, which costs on hot paths.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}
