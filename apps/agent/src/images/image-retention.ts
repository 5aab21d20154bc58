import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** An image unpacked on this node and when it was last asked for, in milliseconds since the epoch. */
export interface CachedImage {
  digest: string;
  usedAt: number;
}

/** Most recently used first; equal times by digest, so the order never depends on the disk's. */
export function byRecency(a: CachedImage, b: CachedImage): number {
  return b.usedAt - a.usedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}

/**
 * The images to evict: beyond the `keep` most recently used, every one no instance uses. An image
 * in use is never evicted, however old (a container's root filesystem is its image), and counts
 * towards `keep` like any other, so a node whose instances use many images keeps just those.
 * Kept warm, an image a scale from zero needs again starts without its pull and unpack.
 */
export function imagesToEvict(images: CachedImage[], keep: number, inUse: ReadonlySet<string>): string[] {
  return [...images]
    .sort(byRecency)
    .slice(Math.max(0, keep))
    .filter((image) => !inUse.has(image.digest))
    .map((image) => image.digest);
}

/**
 * Every whole image in the cache directory (one directory per digest's hex, see ImageCache) with
 * its last use: as `usedAt` (this agent's memory) says, else the directory's mtime, which each use
 * sets so that the next agent knows it too.
 */
export async function listCachedImages(
  cacheDir: string,
  usedAt: ReadonlyMap<string, number>,
): Promise<CachedImage[]> {
  const names = (await readdir(cacheDir).catch(() => [])).filter((name) => /^[a-f0-9]{64}$/.test(name));
  const images = await Promise.all(
    names.map(async (hex): Promise<CachedImage | null> => {
      const digest = `sha256:${hex}`;
      const modified = await stat(join(cacheDir, hex)).then(
        (stats) => stats.mtimeMs,
        // Evicted meanwhile.
        () => null,
      );
      return modified === null ? null : { digest, usedAt: Math.max(modified, usedAt.get(digest) ?? 0) };
    }),
  );
  return images.filter((image): image is CachedImage => image !== null);
}
