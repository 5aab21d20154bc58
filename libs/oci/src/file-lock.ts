import { hostname } from 'node:os';
import { open, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OciError, OciErrorCodes } from './errors';

export interface FileLockOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** A lock file older than this was left by a crashed holder and is broken. Default 30 s. */
  staleMs?: number;
}

/**
 * Runs `critical` while holding `lockPath`, a lock file created with O_EXCL. That works across
 * processes and across machines sharing the disk (NFSv3+), unlike flock, and needs no daemon.
 * The lock guards short read-modify-write sections only (index.json), so waiting is brief; a lock
 * older than `staleMs` is taken to be a crashed holder's and removed.
 */
export async function withFileLock<T>(
  lockPath: string,
  critical: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  await acquire(lockPath, options.timeoutMs ?? 10_000, options.staleMs ?? 30_000);
  try {
    return await critical();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      // Who holds it, for whoever finds the lock stuck.
      await handle.writeFile(`${hostname()} ${process.pid} ${new Date().toISOString()}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      throw new OciError(
        OciErrorCodes.lockTimeout,
        `could not lock ${lockPath} within ${timeoutMs} ms; if no push is running, remove that file`,
      );
    }
    // Jittered, growing waits: contenders do not wake in lockstep, and a long wait stays cheap.
    await sleep(Math.min(100, 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const stats = await stat(lockPath).catch(() => undefined);
  if (!stats || Date.now() - stats.mtimeMs < staleMs) return;
  // Rename first: of several processes breaking the same stale lock, only one rename succeeds.
  // Narrow remaining race (accepted): between our stat and rename, another breaker may already
  // have replaced the stale lock with its own fresh one, which we would then remove.
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  if (
    await rename(lockPath, aside).then(
      () => true,
      () => false,
    )
  )
    await rm(aside, { force: true });
}
