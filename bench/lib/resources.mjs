// What a bench takes from the machine for one run and must give back: loopback ports, a database
// of its own on the server (`nimbus_bench_<run id>`) and the Redis keys under its own prefix.
import { createRequire } from 'node:module';
import net from 'node:net';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { Redis } = require('ioredis');

/** The PostgreSQL server a bench creates its database on (any database of it will do). */
export const DATABASE_SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The Redis a bench keeps its keys in, under a prefix of its own. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A port free on `host` at this moment (the OS picks it), for a process the bench starts. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Drops `dbName` from the server at `serverUrl`, closing its connections; resolves to 'dropped'. */
export async function dropDatabase(serverUrl, dbName) {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  return 'dropped';
}

/**
 * Deletes every key under `prefix`; resolves to 'N deleted'. With `failFast`, one connection
 * attempt (5 s at most) and no retry, so an unreachable Redis fails this step at once rather than
 * holding up the rest of a cleanup.
 */
export async function deleteRedisKeys(redisUrl, prefix, { failFast = false } = {}) {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    ...(failFast && { connectTimeout: 5000, retryStrategy: () => null }),
  });
  if (failFast) redis.on('error', () => undefined); // the failed command reports it
  await redis.connect();
  let deleted = 0;
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      if (keys.length) deleted += await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return `${deleted} deleted`;
}
