import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyingStream, type Digest } from './digest';

// Temp files sit beside their target: rename is atomic only within one filesystem. The leading
// dot keeps tools that list blob directories from mistaking them for content.
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
}

/** Replaces `path` with `data` all at once: readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const temp = tempPath(path);
  try {
    // flush: the data reaches the disk before the rename makes it visible, so a crash cannot leave an empty file.
    await writeFile(temp, data, { flush: true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Streams `source` into `path`, checking it against `expected` on the way; the file appears only
 * if every byte matched, so a blob path always holds exactly its digest's content.
 */
export async function writeStreamAtomic(
  path: string,
  source: Readable,
  expected: { digest: Digest; size: number },
): Promise<void> {
  const temp = tempPath(path);
  try {
    await pipeline(source, verifyingStream(expected), createWriteStream(temp, { flush: true }));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
