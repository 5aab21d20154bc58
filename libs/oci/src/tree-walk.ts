import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { OciError, OciErrorCodes } from './errors';

/** One entry of a layer, in the order it is written. */
export type TreeEntry =
  | { type: 'directory'; name: string; mode: number; synthetic: boolean }
  | { type: 'file'; name: string; mode: number; size: number; sourcePath: string }
  | { type: 'symlink'; name: string; mode: number; linkname: string };

export interface TreeWalkOptions {
  /** Absolute path inside the image where the source directory's contents land. */
  targetDir: string;
  /** Path relative to the source directory (posix separators); false leaves it (and, for a directory, its contents) out. */
  filter?: (relativePath: string) => boolean;
}

/**
 * Walks a directory depth-first, each directory's children sorted by the bytes of their UTF-8
 * names: readdir's order depends on the filesystem, and a layer must not. Hard links come out as
 * separate regular files (content is duplicated, never lost); sockets, FIFOs and devices are
 * refused because an app image has no use for them and silently dropping files hides mistakes.
 */
export async function* walkTree(sourceDir: string, options: TreeWalkOptions): AsyncGenerator<TreeEntry> {
  // stat, not lstat: a source directory given as a symlink (e.g. a `current` release link) is followed.
  const root = await stat(sourceDir);
  if (!root.isDirectory()) {
    throw new OciError(OciErrorCodes.unsupportedFile, `layer source ${sourceDir} is not a directory`);
  }
  const target = targetPrefix(options.targetDir);
  const parts = target === '' ? [] : target.split('/');
  // Parents of the target (e.g. `workspace/` for `/workspace/app`) so the layer unpacks on an empty rootfs.
  for (let i = 1; i < parts.length; i += 1) {
    yield { type: 'directory', name: `${parts.slice(0, i).join('/')}/`, mode: 0o755, synthetic: true };
  }
  if (target !== '')
    yield { type: 'directory', name: `${target}/`, mode: permissions(root), synthetic: false };
  yield* walkDirectory(sourceDir, '', target, options.filter);
}

async function* walkDirectory(
  absolute: string,
  relative: string,
  target: string,
  filter: ((relativePath: string) => boolean) | undefined,
): AsyncGenerator<TreeEntry> {
  const names = (await readdir(absolute)).sort(compareUtf8);
  for (const name of names) {
    const childRelative = relative === '' ? name : `${relative}/${name}`;
    if (filter && !filter(childRelative)) continue;
    const childAbsolute = join(absolute, name);
    const entryName = target === '' ? childRelative : `${target}/${childRelative}`;
    const stats = await lstat(childAbsolute);
    if (stats.isDirectory()) {
      yield { type: 'directory', name: `${entryName}/`, mode: permissions(stats), synthetic: false };
      yield* walkDirectory(childAbsolute, childRelative, target, filter);
    } else if (stats.isFile()) {
      yield {
        type: 'file',
        name: entryName,
        mode: permissions(stats),
        size: stats.size,
        sourcePath: childAbsolute,
      };
    } else if (stats.isSymbolicLink()) {
      yield {
        type: 'symlink',
        name: entryName,
        mode: permissions(stats),
        linkname: await readlink(childAbsolute),
      };
    } else {
      throw new OciError(
        OciErrorCodes.unsupportedFile,
        `${childAbsolute} is not a regular file, directory or symlink; a layer cannot hold it (filter it out)`,
      );
    }
  }
}

function targetPrefix(targetDir: string): string {
  const normalized = posix.normalize(targetDir);
  if (!posix.isAbsolute(normalized)) {
    throw new OciError(
      OciErrorCodes.invalidReference,
      `layer target "${targetDir}" must be an absolute path`,
    );
  }
  return normalized.replace(/^\/+/, '').replace(/\/+$/, '');
}

function permissions(stats: Stats): number {
  // Permission, setuid/setgid and sticky bits; the file type travels in the tar entry's type.
  return stats.mode & 0o7777;
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
