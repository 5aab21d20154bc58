import { Queue, Worker, type Job } from 'bullmq';

/** The queue that wakes builders. Its jobs carry only an id: Postgres holds the build itself. */
export const BUILD_QUEUE = 'builds';

export interface BuildJob {
  buildId: string;
}

/** BullMQ's keys live under the platform's Redis prefix, beside everything else Nimbus writes. */
export const bullPrefix = (redisPrefix: string) => `${redisPrefix}bull`;

const connectionOf = (redisUrl: string) => {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's workers block on Redis and must retry forever rather than fail a command.
    maxRetriesPerRequest: null,
  };
};

export function createBuildQueue(redisUrl: string, redisPrefix: string): Queue<BuildJob> {
  return new Queue<BuildJob>(BUILD_QUEUE, {
    connection: connectionOf(redisUrl),
    prefix: bullPrefix(redisPrefix),
    // Jobs are wake-ups: once handled they are worthless, and their id must be free for a retry.
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
}

/**
 * Wakes a builder for `buildId`. The job id is the build id, so waking one that is already
 * waiting or running adds nothing.
 */
export async function enqueueBuild(queue: Queue<BuildJob>, buildId: string): Promise<void> {
  await queue.add('build', { buildId }, { jobId: buildId });
}

export interface BuildWorkerOptions {
  redisUrl: string;
  redisPrefix: string;
  concurrency: number;
  /** How long a job stays locked without renewal before BullMQ hands it to another worker. */
  lockDurationMs?: number;
}

export function createBuildWorker(
  options: BuildWorkerOptions,
  process: (job: Job<BuildJob>) => Promise<void>,
): Worker<BuildJob> {
  return new Worker<BuildJob>(BUILD_QUEUE, process, {
    connection: connectionOf(options.redisUrl),
    prefix: bullPrefix(options.redisPrefix),
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  });
}
